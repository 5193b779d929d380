package dev.wharf.credential;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Credentials' secrets: the key they are encrypted with at rest, and how large one may be. */
@ConfigMapping(prefix = "wharf.secrets")
public interface SecretsConfig {

    /**
     * The AES-256 key, base64 of exactly 32 bytes (WHARF_SECRETS_KEY). Unset: the key in {@link #keyFile()}, generated
     * there at first start. Every control plane sharing a database must be given the same key.
     */
    @WithDefault("${WHARF_SECRETS_KEY:}")
    Optional<String> key();

    /**
     * The id (1..255) stamped on every secret sealed with {@link #key()}, so a later key rotation can tell which key
     * opens which value. Change it together with the key.
     */
    @WithDefault("1")
    int keyId();

    /** Where the key is read from, or generated into (mode 0600, directory 0700), when {@link #key()} is unset. */
    @WithDefault("${user.home}/.wharf/secrets-key")
    String keyFile();

    /** The largest secret value (a token, a client secret), in bytes of UTF-8; larger ones are refused with a 400. */
    @WithDefault("16k")
    MemorySize maxSize();
}
