package dev.wharf.tenant;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Who may call Wharf: the admin key, and the default tenant's first key. */
@ConfigMapping(prefix = "wharf.auth")
public interface AuthConfig {

    /** Key that unlocks the admin API under /admin/v1 (WHARF_ADMIN_KEY); without one the admin API is closed. */
    @WithDefault("${WHARF_ADMIN_KEY:}")
    Optional<String> adminKey();

    /**
     * A key to register for the default tenant at start (WHARF_API_KEY), for deployments that provision the key
     * themselves. Without one, a fresh installation generates a key once and writes it to {@link #keyFile()}.
     */
    @WithDefault("${WHARF_API_KEY:}")
    Optional<String> bootstrapKey();

    /** Where the generated first key is written (mode 0600). */
    @WithDefault("${user.home}/.wharf/api-key")
    String keyFile();
}
