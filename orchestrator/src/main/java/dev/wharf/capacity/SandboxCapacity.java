package dev.wharf.capacity;

import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Capacity for standalone environments (POST /v1/environments, and resuming one). They do not queue: a caller
 * that creates an environment wants it now, so when the host or the tenant has no slot left the request is
 * refused with 429 RESOURCE_EXHAUSTED (the SDKs retry 429 with backoff, which gives a short wait for free).
 */
@ApplicationScoped
public class SandboxCapacity {
    /** The environment's tenant, and the slots in use host-wide and by that tenant (the environment included). */
    private static final String USAGE = "WITH slots AS (" + CapacitySql.SLOTS_IN_USE + ")"
            + " SELECT (SELECT count(*) FROM slots) AS host,"
            + " (SELECT count(*) FROM slots s WHERE s.tenant_id = e.tenant_id) AS tenant,"
            + " e.tenant_id, t.max_concurrent_sandboxes"
            + " FROM environment e JOIN tenant t ON t.id = e.tenant_id WHERE e.id = :id";

    private final CapacityConfig config;
    private final CapacityMetrics metrics;

    public SandboxCapacity(CapacityConfig config, CapacityMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * Call inside the Panache transaction that made the standalone environment hold a slot (inserted it, or
     * claimed it for resume), after that change: takes the capacity lock, counts, and fails with 429 when the
     * environment is one slot too many, which rolls the change back. The lock is held until that transaction
     * ends, so the dispatcher and other creations count this environment or wait for its rollback.
     */
    public Uni<Void> admitStandalone(String environmentId) {
        return Panache.getSession().chain(session -> session.flush()
                .chain(() -> session.createNativeQuery(CapacitySql.LOCK, Integer.class).getSingleResult())
                .chain(() -> session.createNativeQuery(USAGE, Object[].class).setParameter("id", environmentId)
                        .getSingleResult())
                .chain(row -> {
                    long host = ((Number) row[0]).longValue();
                    long tenant = ((Number) row[1]).longValue();
                    String tenantId = (String) row[2];
                    Integer limit = row[3] != null ? Integer.valueOf(((Number) row[3]).intValue())
                            : Integer.valueOf(config.tenantShare());
                    if (host > config.maxSandboxes()) {
                        metrics.refused("host");
                        return Uni.createFrom().failure(new ApiException(ApiStatus.RESOURCE_EXHAUSTED,
                                "all " + config.maxSandboxes() + " sandbox slots of this host are in use; delete an"
                                        + " environment you no longer need, or retry when running work has ended"));
                    }
                    if (limit != null && tenant > limit) {
                        metrics.refused("tenant");
                        return Uni.createFrom().failure(new ApiException(ApiStatus.RESOURCE_EXHAUSTED,
                                "tenant " + tenantId + " already uses its limit of " + limit + " concurrent sandboxes"
                                        + " (max_concurrent_sandboxes, else the platform's fair share of the host);"
                                        + " delete an environment you no longer need, or retry when running work"
                                        + " has ended"));
                    }
                    return Uni.createFrom().voidItem();
                }));
    }
}
