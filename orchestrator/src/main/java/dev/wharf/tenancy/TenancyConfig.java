package dev.wharf.tenancy;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How tenant deletions that did not finish (a crash midway, a request that raced the deletion) are finished. */
@ConfigMapping(prefix = "wharf.tenancy")
public interface TenancyConfig {

    /**
     * How often the deletion sweep finishes tenants left {@code deleting}, and removes anything a deleted tenant
     * still owns; {@code off} disables the schedule (deleting the tenant again still finishes it).
     */
    @WithDefault("1m")
    String deletionSweepInterval();

    /** Tenants one sweep works on at most. */
    @WithDefault("20")
    int deletionSweepBatch();
}
