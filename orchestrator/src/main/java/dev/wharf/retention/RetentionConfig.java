package dev.wharf.retention;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long Wharf keeps what it writes, and how often it deletes what has outlived that. */
@ConfigMapping(prefix = "wharf.retention")
public interface RetentionConfig {

    /**
     * Days interactions (with their step logs and webhook deliveries) and environments (with their files) are kept
     * after their last activity, for tenants whose retention_days is not set.
     */
    @WithDefault("55")
    int defaultDays();

    /** How often the purge runs; {@code off} disables the schedule (tests call purgeOnce instead). */
    @WithDefault("1h")
    String purgeInterval();

    /** Rows one purge statement deletes at most, so a large backlog is worked off in short transactions. */
    @WithDefault("500")
    int batchSize();
}
