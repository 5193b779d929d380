package dev.wharf.credential;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * The key the control plane seals credentials' secrets with: {@code wharf.secrets.key}, or the key file (generated
 * at first start). Loaded when the application starts, so a malformed key stops the start with a clear message
 * instead of surfacing at the first credential.
 */
@Startup
@ApplicationScoped
public class SecretsKey {
    private static final Logger LOG = Logger.getLogger(SecretsKey.class);
    private static final int MAX_KEY_ID = 255;

    private final SecretKey key;
    private final int keyId;
    private final SecureRandom random = new SecureRandom();

    public SecretsKey(SecretsConfig config) {
        this.keyId = config.keyId();
        if (keyId < 1 || keyId > MAX_KEY_ID) {
            throw new IllegalStateException("wharf.secrets.key-id must be 1 to 255, not " + keyId);
        }
        String configured = config.key().filter(text -> !text.isBlank()).orElse(null);
        byte[] bytes;
        if (configured != null) {
            bytes = SecretsKeyFile.decode(configured, "wharf.secrets.key (WHARF_SECRETS_KEY)");
        } else {
            Path file = Path.of(config.keyFile());
            SecretsKeyFile.Loaded loaded = SecretsKeyFile.readOrCreate(file, random);
            if (loaded.generated()) {
                LOG.infof("generated the secrets key into %s (mode 0600): credentials are encrypted with it. Back it"
                        + " up apart from the database, and give every control plane of this database the same key"
                        + " (wharf.secrets.key).", file.toAbsolutePath());
            } else if (loaded.readableByOthers()) {
                LOG.warnf("the secrets key file %s can be read by others than its owner (%s); it should be mode 0600",
                        file.toAbsolutePath(), PosixFilePermissions.toString(loaded.permissions()));
            }
            bytes = loaded.key();
        }
        this.key = new SecretKeySpec(bytes, "AES");
    }

    /** The id stamped on what this key seals. */
    public int keyId() {
        return keyId;
    }

    public byte[] seal(String plaintext, byte[] context) {
        return SealedSecret.seal(key, keyId, plaintext, context, random);
    }

    /** Opens a sealed value; {@link SecretUnreadableException} when this key, or this context, does not open it. */
    public String open(byte[] sealed, byte[] context) {
        return SealedSecret.open(key, keyId, sealed, context);
    }
}
