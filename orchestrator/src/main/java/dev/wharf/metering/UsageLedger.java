package dev.wharf.metering;

import dev.wharf.lifecycle.InteractionStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * SQL for the usage ledger ({@code usage_record}, append-only), the per-tenant monthly sums ({@code usage_month},
 * updated in the same statement as every ledger insert) and running sandboxes' open intervals
 * ({@code sandbox_interval}). Times are the database's: {@code clock_timestamp()}, read under the row lock that
 * the write depends on.
 */
@ApplicationScoped
public class UsageLedger {
    private static final String INTERVAL_COLUMNS = "s.container_id, s.tenant_id, s.environment_id, s.interaction_id,"
            + " s.agent, s.service_tier, s.started_at, s.metered_until, clock_timestamp() AS db_now,"
            + " (s.interaction_id IS NOT NULL AND EXISTS (SELECT 1 FROM interaction i WHERE i.id = s.interaction_id"
            + " AND i.status IN ('queued', 'in_progress'))) AS live";
    private static final String SUMS = "COALESCE(sum(sandbox_seconds), 0) AS sandbox_seconds,"
            + " COALESCE(sum(input_tokens), 0)::bigint AS input_tokens,"
            + " COALESCE(sum(output_tokens), 0)::bigint AS output_tokens,"
            + " COALESCE(sum(thought_tokens), 0)::bigint AS thought_tokens, COALESCE(sum(cost), 0) AS cost";
    private static final String CURRENT_PERIOD = "date_trunc('month', clock_timestamp() AT TIME ZONE 'UTC')::date";

    private final Pool pool;

    public UsageLedger(Pool pool) {
        this.pool = pool;
    }

    /** The pool, for reads that need no transaction of their own. */
    public SqlClient pool() {
        return pool;
    }

    public <T> Uni<T> inTransaction(Function<SqlClient, Uni<T>> work) {
        return pool.withTransaction(work::apply);
    }

    // ---- the ledger ------------------------------------------------------------------------------------------

    /** Appends one record and adds it to its tenant's month, in one statement. */
    public Uni<Void> append(SqlClient tx, UsageRecord r) {
        return tx.preparedQuery("WITH r AS (INSERT INTO usage_record (tenant_id, kind, occurred_at, ended_at, period,"
                        + " environment_id, container_id, interaction_id, agent, model, service_tier, sandbox_seconds,"
                        + " input_tokens, output_tokens, thought_tokens, cost)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
                        + " RETURNING tenant_id, period, sandbox_seconds, input_tokens, output_tokens, thought_tokens,"
                        + " cost)"
                        + " INSERT INTO usage_month AS m (tenant_id, period, sandbox_seconds, input_tokens,"
                        + " output_tokens, thought_tokens, cost) SELECT * FROM r ON CONFLICT (tenant_id, period) DO UPDATE SET"
                        + " sandbox_seconds = m.sandbox_seconds + excluded.sandbox_seconds,"
                        + " input_tokens = m.input_tokens + excluded.input_tokens,"
                        + " output_tokens = m.output_tokens + excluded.output_tokens,"
                        + " thought_tokens = m.thought_tokens + excluded.thought_tokens,"
                        + " cost = m.cost + excluded.cost")
                .execute(Tuple.from(new Object[] {r.tenantId(), r.kind(), time(r.occurredAt()), time(r.endedAt()),
                        r.period(), r.environmentId(), r.containerId(), r.interactionId(), r.agent(), r.model(),
                        r.serviceTier(), r.sandboxSeconds(), r.inputTokens(), r.outputTokens(), r.thoughtTokens(),
                        r.cost()}))
                .replaceWithVoid();
    }

    /** Sums of the ledger rows charged to an interaction, read through {@code client} (a transaction or the pool). */
    public Uni<Totals> interactionTotals(SqlClient client, String interactionId) {
        return client.preparedQuery("SELECT " + SUMS + " FROM usage_record WHERE interaction_id = $1")
                .execute(Tuple.of(interactionId)).map(rows -> totals(rows.iterator().next()));
    }

    /** A tenant's consumption this UTC month (by the database's clock). */
    public Uni<MonthUsage> currentMonth(String tenantId) {
        return pool.preparedQuery("SELECT p.period, m.sandbox_seconds, m.input_tokens, m.output_tokens,"
                        + " m.thought_tokens, m.cost FROM (SELECT " + CURRENT_PERIOD + " AS period) p"
                        + " LEFT JOIN usage_month m ON m.tenant_id = $1 AND m.period = p.period")
                .execute(Tuple.of(tenantId)).map(rows -> {
                    Row row = rows.iterator().next();
                    LocalDate period = row.getLocalDate("period");
                    if (row.getValue("cost") == null) {
                        return new MonthUsage(period, BigDecimal.ZERO, 0, 0, 0, BigDecimal.ZERO);
                    }
                    return new MonthUsage(period, row.getBigDecimal("sandbox_seconds"), row.getLong("input_tokens"),
                            row.getLong("output_tokens"), row.getLong("thought_tokens"), row.getBigDecimal("cost"));
                });
    }

    /** The report's range with its defaults filled in: the start of this UTC month, and now. */
    public Uni<Instant[]> range(Instant from, Instant to) {
        return pool.preparedQuery("SELECT COALESCE($1::timestamptz, date_trunc('month', clock_timestamp()"
                        + " AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), COALESCE($2::timestamptz, clock_timestamp())")
                .execute(Tuple.of(time(from), time(to)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Instant[] {row.getOffsetDateTime(0).toInstant(), row.getOffsetDateTime(1).toInstant()};
                });
    }

    /**
     * Ledger sums over [from, to) by {@code grouping}, for one tenant or (null) all. A row's time is when its
     * sandbox piece started or its tokens were recorded.
     */
    public Uni<List<Group>> grouped(UsageQuery.GroupBy grouping, String tenantId, Instant from, Instant to) {
        String key = switch (grouping) {
            case DAY -> "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
            case AGENT -> "agent";
            case MODEL -> "model";
            case TENANT -> "tenant_id";
        };
        return pool.preparedQuery("SELECT " + key + " AS key, " + SUMS + " FROM usage_record"
                        + " WHERE occurred_at >= $1 AND occurred_at < $2 AND ($3::text IS NULL OR tenant_id = $3)"
                        + " GROUP BY 1 ORDER BY 1 NULLS LAST")
                .execute(Tuple.of(time(from), time(to), tenantId))
                .map(rows -> {
                    List<Group> groups = new ArrayList<>();
                    rows.forEach(row -> groups.add(new Group(row.getString("key"), totals(row))));
                    return groups;
                });
    }

    /** Ledger sums: sandbox seconds, tokens and cost. */
    public record Totals(BigDecimal sandboxSeconds, long inputTokens, long outputTokens, long thoughtTokens,
                         BigDecimal cost) {
        public static final Totals NONE = new Totals(BigDecimal.ZERO, 0, 0, 0, BigDecimal.ZERO);

        public Totals plus(Totals other) {
            return new Totals(sandboxSeconds.add(other.sandboxSeconds), inputTokens + other.inputTokens,
                    outputTokens + other.outputTokens, thoughtTokens + other.thoughtTokens, cost.add(other.cost));
        }
    }

    /** One row of a report: the group's key (null where the usage has none, e.g. no agent) and its sums. */
    public record Group(String key, Totals totals) {
    }

    // ---- open intervals --------------------------------------------------------------------------------------

    /**
     * Opens the interval of a container just started for {@code environmentId}, charged to the environment's
     * tenant, from now. Empty when the environment row does not exist; an interval already open is kept.
     */
    public Uni<Optional<String>> open(String environmentId, String containerId) {
        return pool.preparedQuery("WITH e AS (SELECT tenant_id FROM environment WHERE id = $1),"
                        + " ins AS (INSERT INTO sandbox_interval (container_id, tenant_id, environment_id, started_at,"
                        + " metered_until) SELECT $2, tenant_id, $1, clock_timestamp(), clock_timestamp() FROM e"
                        + " ON CONFLICT (container_id) DO NOTHING)"
                        + " SELECT tenant_id FROM e")
                .execute(Tuple.of(environmentId, containerId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
    }

    /** The interval of a container, locked; with {@code skipLocked} one another writer holds is left alone. */
    public Uni<Optional<OpenInterval>> lock(SqlClient tx, String containerId, boolean skipLocked) {
        return tx.preparedQuery("SELECT " + INTERVAL_COLUMNS + " FROM sandbox_interval s WHERE s.container_id = $1"
                        + " FOR UPDATE OF s" + (skipLocked ? " SKIP LOCKED" : ""))
                .execute(Tuple.of(containerId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(interval(rows.iterator().next())));
    }

    /** The intervals charged to an interaction, locked. */
    public Uni<List<OpenInterval>> lockCharged(SqlClient tx, String interactionId) {
        return tx.preparedQuery("SELECT " + INTERVAL_COLUMNS + " FROM sandbox_interval s WHERE s.interaction_id = $1"
                        + " ORDER BY s.container_id FOR UPDATE OF s")
                .execute(Tuple.of(interactionId))
                .map(rows -> {
                    List<OpenInterval> intervals = new ArrayList<>();
                    rows.forEach(row -> intervals.add(interval(row)));
                    return intervals;
                });
    }

    /** Marks the interval metered up to {@code until} and charges what follows to {@code interactionId} (or none). */
    public Uni<Void> advance(SqlClient tx, String containerId, Instant until, String interactionId, String agent,
                             String serviceTier) {
        return tx.preparedQuery("UPDATE sandbox_interval SET metered_until = $2, interaction_id = $3, agent = $4,"
                        + " service_tier = $5 WHERE container_id = $1")
                .execute(Tuple.of(containerId, time(until), interactionId, agent, serviceTier)).replaceWithVoid();
    }

    public Uni<Void> close(SqlClient tx, String containerId) {
        return tx.preparedQuery("DELETE FROM sandbox_interval WHERE container_id = $1")
                .execute(Tuple.of(containerId)).replaceWithVoid();
    }

    /** The containers of every open interval, oldest first. */
    public Uni<List<String>> openIntervals() {
        return pool.query("SELECT container_id FROM sandbox_interval ORDER BY started_at")
                .execute().map(rows -> {
                    List<String> open = new ArrayList<>();
                    rows.forEach(row -> open.add(row.getString(0)));
                    return open;
                });
    }

    /** Seconds not yet in the ledger of the sandboxes charged to an interaction, with their tiers. */
    public Uni<List<Unmetered>> unmetered(SqlClient client, String interactionId) {
        return client.preparedQuery("SELECT service_tier, GREATEST(EXTRACT(EPOCH FROM clock_timestamp()"
                        + " - metered_until), 0)::numeric(18, 6) FROM sandbox_interval WHERE interaction_id = $1")
                .execute(Tuple.of(interactionId)).map(rows -> {
                    List<Unmetered> open = new ArrayList<>();
                    rows.forEach(row -> open.add(new Unmetered(row.getString(0), row.getBigDecimal(1))));
                    return open;
                });
    }

    public record Unmetered(String serviceTier, BigDecimal seconds) {
    }

    // ---- the interactions that usage is charged to -----------------------------------------------------------

    /**
     * The interaction usage is charged to, with the database's clock. With {@code lock} it is locked against a
     * concurrent status change (which takes the same row lock first), so a sandbox run cannot be charged to an
     * interaction that has just ended.
     */
    public Uni<Optional<Charged>> interaction(SqlClient tx, String interactionId, boolean lock) {
        return tx.preparedQuery("SELECT tenant_id, environment_id, agent, service_tier, status, clock_timestamp()"
                        + " FROM interaction WHERE id = $1" + (lock ? " FOR SHARE" : ""))
                .execute(Tuple.of(interactionId)).map(UsageLedger::charged);
    }

    /** Who an interaction's usage is charged to and at which tier it was asked for. */
    public record Charged(String tenantId, String environmentId, String agent, String requestedTier, String status,
                          Instant dbNow) {
        public boolean running() {
            return !InteractionStatus.fromWire(status).terminal();
        }
    }

    // ---- mapping ---------------------------------------------------------------------------------------------

    private static Optional<Charged> charged(RowSet<Row> rows) {
        if (rows.size() == 0) {
            return Optional.empty();
        }
        Row row = rows.iterator().next();
        return Optional.of(new Charged(row.getString(0), row.getString(1), row.getString(2), row.getString(3),
                row.getString(4), row.getOffsetDateTime(5).toInstant()));
    }

    private static OpenInterval interval(Row row) {
        return new OpenInterval(row.getString("container_id"), row.getString("tenant_id"),
                row.getString("environment_id"), row.getString("interaction_id"), row.getString("agent"),
                row.getString("service_tier"), row.getOffsetDateTime("started_at").toInstant(),
                row.getOffsetDateTime("metered_until").toInstant(), row.getOffsetDateTime("db_now").toInstant(),
                row.getBoolean("live"));
    }

    private static Totals totals(Row row) {
        return new Totals(row.getBigDecimal("sandbox_seconds"), row.getLong("input_tokens"),
                row.getLong("output_tokens"), row.getLong("thought_tokens"), row.getBigDecimal("cost"));
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
