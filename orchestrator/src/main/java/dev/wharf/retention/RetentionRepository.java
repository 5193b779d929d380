package dev.wharf.retention;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL that finds and deletes what has outlived its tenant's retention. Each row's tenant is the one it names
 * ({@code tenant_id}); a tenant without {@code retention_days} gets the platform default. Every statement works on at
 * most {@code limit} rows, so a backlog is deleted in short transactions; deleting twice is harmless, so two control
 * planes may purge at once.
 */
@ApplicationScoped
public class RetentionRepository {
    /** The instant before which a row of tenant {@code t} is past retention; $1 is now, $2 the default days. */
    private static final String CUTOFF = "($1::timestamptz - make_interval(days => COALESCE(t.retention_days, $2::int)))";

    private final Pool pool;

    public RetentionRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Deletes up to {@code limit} interactions that ended before their tenant's cutoff (one that never ended counts
     * from its creation, and only once its deadline has passed, so running work is never deleted), with their event
     * logs (by cascade) and every webhook delivery about them.
     */
    public Uni<PurgeCounts> deleteInteractions(Instant now, int defaultDays, int limit) {
        return pool.preparedQuery("WITH doomed AS (SELECT i.id FROM interaction i JOIN tenant t ON t.id = i.tenant_id"
                        + " WHERE COALESCE(i.ended_at, i.created_at) < " + CUTOFF
                        + " AND (i.ended_at IS NOT NULL OR i.deadline_at IS NULL OR i.deadline_at < $1::timestamptz)"
                        + " LIMIT $3),"
                        + " gone AS (DELETE FROM interaction i USING doomed WHERE i.id = doomed.id"
                        + " RETURNING i.id, i.last_event_seq),"
                        + " deliveries AS (DELETE FROM webhook_delivery d USING gone WHERE d.interaction_id = gone.id"
                        + " RETURNING 1)"
                        // Event sequence numbers are gap-free from 1, so the last one is the log's length.
                        + " SELECT (SELECT count(*) FROM gone) AS interactions,"
                        + " (SELECT COALESCE(sum(last_event_seq), 0)::bigint FROM gone) AS events,"
                        + " (SELECT count(*) FROM deliveries) AS deliveries")
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), defaultDays, limit))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new PurgeCounts(row.getLong("interactions"), row.getLong("events"),
                            row.getLong("deliveries"), 0, 0, 0);
                });
    }

    /**
     * Deletes up to {@code limit} webhook delivery attempts created before their tenant's cutoff, whatever became of
     * their interaction (deleted, never stored, or still kept).
     */
    public Uni<Long> deleteDeliveries(Instant now, int defaultDays, int limit) {
        return pool.preparedQuery("WITH doomed AS (SELECT d.id, d.attempt FROM webhook_delivery d"
                        + " JOIN tenant t ON t.id = d.tenant_id WHERE d.created_at < " + CUTOFF + " LIMIT $3)"
                        + " DELETE FROM webhook_delivery d USING doomed WHERE d.id = doomed.id"
                        + " AND d.attempt = doomed.attempt")
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), defaultDays, limit))
                .map(rows -> (long) rows.rowCount());
    }

    /**
     * Deletes up to {@code limit} usage ledger entries that ended before their tenant's cutoff, in a transaction
     * marked as the retention purge (the ledger's trigger refuses every other deletion). {@code occurred_at} is
     * compared too: it is implied (an entry never ends before it starts) and lets the (tenant, time) index serve.
     */
    public Uni<Long> deleteUsage(Instant now, int defaultDays, int limit) {
        return pool.withTransaction(tx -> tx.query("SET LOCAL wharf.retention_purge = 'on'").execute()
                .chain(() -> tx.preparedQuery("WITH doomed AS (SELECT u.id FROM usage_record u"
                                + " JOIN tenant t ON t.id = u.tenant_id WHERE u.occurred_at < " + CUTOFF
                                + " AND COALESCE(u.ended_at, u.occurred_at) < " + CUTOFF + " LIMIT $3)"
                                + " DELETE FROM usage_record u USING doomed WHERE u.id = doomed.id")
                        .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), defaultDays, limit)))
                .map(rows -> (long) rows.rowCount()));
    }

    /**
     * Deletes up to {@code limit} network log entries recorded before their tenant's cutoff: an environment that
     * lives on keeps only its recent requests (its whole log goes with it when it is deleted).
     */
    public Uni<Long> deleteNetworkLog(Instant now, int defaultDays, int limit) {
        return pool.preparedQuery("WITH doomed AS (SELECT n.id FROM network_log n"
                        + " JOIN tenant t ON t.id = n.tenant_id WHERE n.time < " + CUTOFF + " LIMIT $3)"
                        + " DELETE FROM network_log n USING doomed WHERE n.id = doomed.id")
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), defaultDays, limit))
                .map(rows -> (long) rows.rowCount());
    }

    /** Deletes the monthly sums and budget alerts of months that ended before their tenant's cutoff. */
    public Uni<Void> deleteExpiredMonths(Instant now, int defaultDays) {
        Tuple args = Tuple.of(now.atOffset(ZoneOffset.UTC), defaultDays);
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM usage_month m USING tenant t"
                        + " WHERE t.id = m.tenant_id AND (m.period + interval '1 month') < " + CUTOFF).execute(args)
                .chain(() -> tx.preparedQuery("DELETE FROM budget_alert a USING tenant t WHERE t.id = a.tenant_id"
                        + " AND (a.period + interval '1 month') < " + CUTOFF).execute(args))
                .replaceWithVoid());
    }

    /**
     * Up to {@code limit} environments whose last activity is before their tenant's cutoff, in any state but
     * deleting, and in which no interaction runs. Last activity is the latest of its last use, its last state change
     * and the end of the last interaction that ran in it, so files an interaction still on record produced stay.
     */
    public Uni<List<String>> environmentsPast(Instant now, int defaultDays, int limit) {
        return pool.preparedQuery("SELECT e.id FROM environment e JOIN tenant t ON t.id = e.tenant_id"
                        + " WHERE e.status <> 'deleting'"
                        + " AND GREATEST(e.last_accessed_at, e.updated_at, (SELECT max(COALESCE(i.ended_at, i.created_at))"
                        + " FROM interaction i WHERE i.environment_id = e.id)) < " + CUTOFF
                        + " AND NOT EXISTS (SELECT 1 FROM interaction i WHERE i.environment_id = e.id"
                        + " AND i.status IN ('queued', 'in_progress'))"
                        + " ORDER BY e.id LIMIT $3")
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), defaultDays, limit))
                .map(rows -> {
                    List<String> ids = new ArrayList<>(rows.size());
                    rows.forEach(row -> ids.add(row.getString("id")));
                    return ids;
                });
    }
}
