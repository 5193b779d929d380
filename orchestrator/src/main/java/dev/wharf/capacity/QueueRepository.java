package dev.wharf.capacity;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * SQL for the queue of agent interactions waiting for a sandbox slot. The queue is the interaction rows: no
 * second copy of the work exists anywhere, so a restart loses nothing and two control planes see one queue.
 */
@ApplicationScoped
public class QueueRepository {
    private final Pool pool;

    public QueueRepository(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> inTransaction(Function<SqlClient, Uni<T>> work) {
        return pool.withTransaction(work::apply);
    }

    /** Takes the capacity lock for the rest of the transaction. */
    public Uni<Void> lock(SqlClient tx) {
        return tx.query(CapacitySql.LOCK).execute().replaceWithVoid();
    }

    /** The slots in use: slot key to the tenant holding it. */
    public Uni<Map<String, String>> slotsInUse(SqlClient tx) {
        return tx.query(CapacitySql.SLOTS_IN_USE).execute().map(rows -> {
            Map<String, String> slots = new HashMap<>();
            rows.forEach(row -> slots.put(row.getString(0), row.getString(1)));
            return slots;
        });
    }

    /**
     * The waiting interactions: the oldest {@code perTenantAndTier} of each tenant in each tier (no pass admits
     * more of one tenant's work than that, and a tenant with a long queue cannot hide the others'), and any whose
     * environment already holds a slot (they need none, so they go whatever waits before them).
     */
    public Uni<List<AdmissionPolicy.Candidate>> waiting(SqlClient tx, int perTenantAndTier) {
        return tx.preparedQuery("WITH slots AS (" + CapacitySql.SLOTS_IN_USE + ")"
                        + " SELECT id, tenant_id, service_tier, enqueued_at, target_environment FROM ("
                        + " SELECT i.id, i.tenant_id, i.service_tier, i.enqueued_at,"
                        // Where AgentRunLauncher will run it: the environment named, else the previous turn's.
                        + " CASE jsonb_typeof(i.request->'environment')"
                        + "  WHEN 'string' THEN NULLIF(i.request->>'environment', 'remote')"
                        + "  WHEN 'object' THEN i.request->'environment'->>'environment_id'"
                        + "  ELSE (SELECT p.environment_id FROM interaction p WHERE p.id = i.previous_interaction_id)"
                        + " END AS target_environment,"
                        + " row_number() OVER (PARTITION BY i.tenant_id, i.service_tier"
                        + "  ORDER BY i.enqueued_at, i.id) AS place"
                        + " FROM interaction i WHERE " + CapacitySql.WAITING + ") queue"
                        + " WHERE place <= $1 OR target_environment IN (SELECT slot FROM slots)")
                .execute(Tuple.of(perTenantAndTier))
                .map(rows -> {
                    List<AdmissionPolicy.Candidate> candidates = new ArrayList<>();
                    for (Row row : rows) {
                        candidates.add(new AdmissionPolicy.Candidate(row.getString("id"), row.getString("tenant_id"),
                                ServiceTier.fromWire(row.getString("service_tier")),
                                row.getOffsetDateTime("enqueued_at").toInstant(), row.getString("target_environment")));
                    }
                    return candidates;
                });
    }

    /** The tenants' own limits (null: none set) and latest admissions. */
    public Uni<Map<String, AdmissionPolicy.Quota>> quotas(SqlClient tx, Set<String> tenantIds) {
        return tx.preparedQuery("SELECT t.id, t.max_concurrent_sandboxes, (SELECT max(i.admitted_at) FROM interaction i"
                        + " WHERE i.tenant_id = t.id AND i.admitted_at IS NOT NULL) AS last_admitted"
                        + " FROM tenant t WHERE t.id = ANY($1)")
                .execute(Tuple.of(tenantIds.toArray(new String[0])))
                .map(rows -> {
                    Map<String, AdmissionPolicy.Quota> quotas = new HashMap<>();
                    for (Row row : rows) {
                        OffsetDateTime last = row.getOffsetDateTime("last_admitted");
                        quotas.put(row.getString("id"), new AdmissionPolicy.Quota(
                                row.getInteger("max_concurrent_sandboxes"), last == null ? null : last.toInstant()));
                    }
                    return quotas;
                });
    }

    /** One admitted interaction, with what the wait-time metric needs. */
    public record Admitted(String id, ServiceTier tier, Instant enqueuedAt, Instant admittedAt) {
    }

    /**
     * Admits the chosen interactions that are still waiting. Rows another transaction holds (a cancel under way)
     * are skipped, not waited for; admitting fewer than chosen never exceeds capacity. The timeout starts now:
     * while queued, {@code deadline_at - created_at} was the timeout, so the deadline moves out by the time spent
     * waiting. The lease makes the watchdog fail the interaction if this control plane dies before launching it.
     */
    public Uni<List<Admitted>> claim(SqlClient tx, List<String> ids, Instant now, Instant leaseUntil) {
        return tx.preparedQuery("UPDATE interaction SET admitted_at = $2::timestamptz,"
                        + " deadline_at = $2::timestamptz + (deadline_at - created_at),"
                        + " lease_until = $3 WHERE id IN (SELECT id FROM interaction WHERE id = ANY($1) AND "
                        + CapacitySql.WAITING + " FOR UPDATE SKIP LOCKED) RETURNING id, service_tier, enqueued_at")
                .execute(Tuple.of(ids.toArray(new String[0]), utc(now), utc(leaseUntil)))
                .map(rows -> {
                    Map<String, Admitted> byId = new LinkedHashMap<>();
                    for (Row row : rows) {
                        byId.put(row.getString("id"), new Admitted(row.getString("id"),
                                ServiceTier.fromWire(row.getString("service_tier")),
                                row.getOffsetDateTime("enqueued_at").toInstant(), now));
                    }
                    // In the order the policy chose them.
                    return ids.stream().filter(byId::containsKey).map(byId::get).toList();
                });
    }

    /** Waiting interactions per tier; tiers with none read zero. */
    public Uni<Map<ServiceTier, Long>> depthByTier(SqlClient client) {
        return client.query("SELECT service_tier, count(*) FROM interaction WHERE " + CapacitySql.WAITING
                        + " GROUP BY service_tier").execute()
                .map(rows -> {
                    Map<ServiceTier, Long> depth = new EnumMap<>(ServiceTier.class);
                    for (ServiceTier tier : ServiceTier.values()) {
                        depth.put(tier, 0L);
                    }
                    rows.forEach(row -> depth.merge(ServiceTier.fromWire(row.getString(0)), row.getLong(1), Long::sum));
                    return depth;
                });
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
