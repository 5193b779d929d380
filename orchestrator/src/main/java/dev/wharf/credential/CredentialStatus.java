package dev.wharf.credential;

import java.util.Arrays;
import java.util.Optional;

/**
 * A credential's status. The only change is {@code active -> revoked}, and it is final: a revoked credential is kept
 * (it can be read, listed and deleted) but never used again and never changed, so revoking in an incident cannot be
 * undone by a stray update (a script re-applying a stored configuration with {@code status: active}, say). To use
 * the secret again, create a credential, or delete the revoked one and create it again under the same id.
 */
public enum CredentialStatus {
    ACTIVE("active"),
    REVOKED("revoked");

    private final String wire;

    CredentialStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** Whether a credential in this status may be moved to {@code next}; staying put is always allowed. */
    public boolean canBecome(CredentialStatus next) {
        return this == next || (this == ACTIVE && next == REVOKED);
    }

    public static Optional<CredentialStatus> fromWire(String wire) {
        return Arrays.stream(values()).filter(status -> status.wire.equals(wire)).findFirst();
    }
}
