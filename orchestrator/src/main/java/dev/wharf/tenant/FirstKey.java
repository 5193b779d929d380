package dev.wharf.tenant;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A fresh installation must be usable at once: when no API key exists at all, the default tenant gets one, which
 * is printed and written to {@code ~/.wharf/api-key} (mode 0600). A key supplied by configuration
 * ({@code WHARF_API_KEY}) is registered for the default tenant instead, on every start until it exists.
 * Once any key exists nothing is generated again, so revoking the first key really retires it.
 */
@ApplicationScoped
public class FirstKey {
    private static final Logger LOG = Logger.getLogger(FirstKey.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);

    private final TenantRepository repository;
    private final TenantService tenants;
    private final AuthConfig config;

    public FirstKey(TenantRepository repository, TenantService tenants, AuthConfig config) {
        this.repository = repository;
        this.tenants = tenants;
        this.config = config;
    }

    void onStart(@Observes StartupEvent start) {
        String supplied = config.bootstrapKey().filter(key -> !key.isBlank()).map(String::trim).orElse(null);
        if (supplied != null) {
            boolean known = repository.keyHashExists(ApiKeySecrets.hash(supplied)).await().atMost(STARTUP_WAIT);
            if (!known) {
                tenants.issue(Tenant.DEFAULT_ID, "configured (WHARF_API_KEY)", supplied).await().atMost(STARTUP_WAIT);
                LOG.infof("registered the configured API key %s... for tenant %s",
                        ApiKeySecrets.prefixOf(supplied), Tenant.DEFAULT_ID);
            }
            return;
        }
        if (repository.countKeys().await().atMost(STARTUP_WAIT) > 0) {
            return;
        }
        TenantService.CreatedKey created = tenants.issue(Tenant.DEFAULT_ID, "first key", ApiKeySecrets.newKey())
                .await().atMost(STARTUP_WAIT);
        Path file = Path.of(config.keyFile());
        String where = write(file, created.secret()) ? " (saved to " + file + ")" : "";
        LOG.infof("%n%n    Wharf API key for tenant '%s'%s:%n%n        %s%n%n    It is shown once; keep it.%n",
                Tenant.DEFAULT_ID, where, created.secret());
    }

    /** Writes the key readable by its owner only; the file is created with that mode, never widened later. */
    private static boolean write(Path file, String key) {
        try {
            Path directory = file.toAbsolutePath().getParent();
            // The directory also holds the secrets key (dev.wharf.credential.SecretsKeyFile): its owner's only.
            Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path temporary = Files.createTempFile(directory, ".api-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, key + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warnf("could not write the API key to %s: %s", file, e.getMessage());
            return false;
        }
    }
}
