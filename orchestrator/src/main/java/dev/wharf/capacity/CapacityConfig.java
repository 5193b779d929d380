package dev.wharf.capacity;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * How many sandboxes may run at once, for the host and per tenant, and how the queue of agent interactions waiting
 * for one is worked. A slot is one sandbox in use: an environment an admitted agent interaction runs in (one per
 * interaction still being launched), or a standalone environment (POST /v1/environments) that is running.
 */
@ConfigMapping(prefix = "wharf.capacity")
public interface CapacityConfig {

    /** Most sandboxes in use at once on this host (at least 1); size it to host memory over wharf.sandbox.memory. */
    @WithDefault("10")
    int maxSandboxes();

    /**
     * Limit for tenants whose max_concurrent_sandboxes is null: each tenant's fair share of the host. Absent means
     * half of max-sandboxes (at least 1), so no single tenant can take every slot; set it to max-sandboxes to let one.
     */
    Optional<Integer> defaultTenantMax();

    /** The limit that applies to a tenant without max_concurrent_sandboxes of its own (see defaultTenantMax). */
    default int tenantShare() {
        return Math.max(1, defaultTenantMax().orElse(maxSandboxes() / 2));
    }

    /** Slots flex work may not take, kept free for standard and priority work that arrives later; 0 keeps none. */
    @WithDefault("0")
    int flexHeadroom();

    /**
     * How often the queue is worked without a nudge: slots freed by standalone environments or by another control
     * plane, and work left queued across a restart. "off" disables the poll (nudges still work).
     */
    @WithDefault("2s")
    String pollInterval();
}
