package dev.wharf.environment;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The clock of one environment's sandbox: the idle TTL and maximum lifetime that govern it (its tenant's, else the
 * platform's), when its current sandbox became active, and whether an interaction is running in it. Pure.
 *
 * <p>The persisted {@code expires_at} of an active environment is {@link #expiresAt}: the idle TTL from its last
 * use, never past the end of its lifetime. So use keeps a sandbox alive only until its lifetime ends, and the one
 * expiry pass (expires_at reached) covers both rules.
 *
 * @param activeSince null when the environment has no active sandbox (then only the idle TTL applies)
 * @param inUse       an interaction in {@code queued} or {@code in_progress} runs in this environment
 */
public record EnvironmentLifetime(Duration idleTtl, Duration maxLifetime, Instant activeSince, boolean inUse) {

    /** The tenant's settings where it has them (whole seconds), else the platform's. */
    static EnvironmentLifetime of(Integer tenantIdleTtlSeconds, Integer tenantMaxLifetimeSeconds,
                                  EnvironmentConfig platform, Instant activeSince, boolean inUse) {
        return new EnvironmentLifetime(
                tenantIdleTtlSeconds == null ? platform.idleTtl() : Duration.ofSeconds(tenantIdleTtlSeconds),
                tenantMaxLifetimeSeconds == null ? platform.maxLifetime() : Duration.ofSeconds(tenantMaxLifetimeSeconds),
                activeSince, inUse);
    }

    /** The same rules for a sandbox that becomes active at {@code since}. */
    public EnvironmentLifetime activeFrom(Instant since) {
        return new EnvironmentLifetime(idleTtl, maxLifetime, since, inUse);
    }

    /** When the current sandbox reaches its maximum lifetime; empty without one. */
    public Optional<Instant> lifetimeEnd() {
        return activeSince == null ? Optional.empty() : Optional.of(activeSince.plus(maxLifetime));
    }

    /** Whether the current sandbox has reached its maximum lifetime at {@code now}. */
    public boolean outlived(Instant now) {
        return lifetimeEnd().map(end -> !now.isBefore(end)).orElse(false);
    }

    /** The expiry after a use at {@code now}: the idle TTL from now, capped at the end of the lifetime. */
    public Instant expiresAt(Instant now) {
        Instant idle = now.plus(idleTtl);
        return lifetimeEnd().filter(end -> end.isBefore(idle)).orElse(idle);
    }
}
