package dev.wharf.environment;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Environment lifetimes, command limits and housekeeping cadence. */
@ConfigMapping(prefix = "wharf.environment")
public interface EnvironmentConfig {

    /**
     * An active environment unused for this long expires: its container is removed, its files kept. A tenant's
     * environment_idle_ttl_seconds replaces it.
     */
    @WithDefault("30m")
    Duration idleTtl();

    /**
     * The longest one sandbox may run, counted from when it became active (created or resumed), however much it is
     * used; then it expires like an idle one. A tenant's environment_max_lifetime_seconds replaces it.
     */
    @WithDefault("24h")
    Duration maxLifetime();

    /**
     * How long the files of an expired or failed environment are kept before they are deleted; the tenant's
     * retention (wharf.retention.*) can delete them sooner, never later.
     */
    @WithDefault("7d")
    Duration filesRetention();

    /** How often expiry, purge and the Docker-versus-database reconciliation run. */
    @WithDefault("15s")
    String reconcileInterval();

    /** How often every active sandbox's daemon gets a health check (see SandboxLiveness). */
    @WithDefault("5s")
    String livenessInterval();

    /** How long one health check may take to be answered before it counts as missed. */
    @WithDefault("2s")
    Duration livenessProbeTimeout();

    /**
     * A sandbox whose daemon has missed every health check for this long is unresponsive: it is stopped, the
     * environment fails with reason {@code unresponsive}, and work running on it fails.
     */
    @WithDefault("30s")
    Duration livenessTimeout();

    /** A provisioning row older than this without a live owner is treated as abandoned by a crashed control plane. */
    @WithDefault("5m")
    Duration provisioningAbandonedAfter();

    /** Command timeout when the exec request names none. */
    @WithDefault("60s")
    Duration execDefaultTimeout();

    /** The longest timeout an exec request may ask for. */
    @WithDefault("1h")
    Duration execMaxTimeout();

    /** Captured bytes per stream (stdout, stderr) per exec; the rest is dropped and flagged as truncated. */
    @WithDefault("1048576")
    int execMaxOutputBytes();

    /** Longest a single file download or upload may stay idle. */
    @WithDefault("5m")
    Duration transferIdleTimeout();

    /** Largest file a single upload may carry. */
    @WithDefault("5g")
    String maxUploadSize();
}
