package dev.wharf.interaction;

import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.model.Usage;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * SQL for interactions and their event log, on the reactive PostgreSQL client: the rows are JSON-heavy and the
 * log needs {@code UPDATE ... RETURNING} under the interaction's row lock, which is how event ids stay gap-free
 * and ordered per interaction however many writers there are. Every status change is conditional on the
 * statuses it may leave (see {@link InteractionStatus}) and appends its event in the same transaction.
 */
@ApplicationScoped
public class InteractionRepository {
    private static final String COLUMNS = "id, tenant_id, status, created_at, updated_at, model, agent, previous_interaction_id,"
            + " environment_id, request, background, store, idempotency_key, deadline_at, run_token, max_total_tokens,"
            + " max_steps, input_tokens, output_tokens, thought_tokens, errors, artifacts, last_event_seq, admitted_at";

    private final Pool pool;

    public InteractionRepository(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> inTransaction(java.util.function.Function<SqlClient, Uni<T>> work) {
        return pool.withTransaction(work::apply);
    }

    /**
     * A new interaction: owned by this plane until {@code leaseUntil} (a model call it runs at once), or, with
     * {@code enqueuedAt}, waiting in the capacity queue from then (an agent; no lease until it is admitted).
     */
    public Uni<Void> insert(SqlClient client, Interaction i, Instant leaseUntil, Instant enqueuedAt) {
        return client.preparedQuery("INSERT INTO interaction (id, status, created_at, updated_at, model, agent,"
                        + " previous_interaction_id, environment_id, request, background, store, idempotency_key,"
                        + " deadline_at, run_token, max_total_tokens, max_steps, lease_until, tenant_id, enqueued_at)"
                        + " VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
                        + " $18)")
                .execute(Tuple.from(new Object[] {i.id(), i.status().wire(), time(i.createdAt()), i.model(), i.agent(),
                        i.previousInteractionId(), i.environmentId(), i.request(), i.background(), i.store(),
                        i.idempotencyKey(), time(i.deadlineAt()), i.runToken(), i.maxTotalTokens(), i.maxSteps(),
                        time(leaseUntil), i.tenantId(), time(enqueuedAt)}))
                .replaceWithVoid();
    }

    public Uni<Optional<Interaction>> find(String id) {
        return find(pool, id);
    }

    /** Reads through {@code client}, so a transaction sees its own uncommitted changes. */
    public Uni<Optional<Interaction>> find(SqlClient client, String id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE id = $1")
                .execute(Tuple.of(id)).map(InteractionRepository::first);
    }

    public Uni<Optional<Interaction>> findByIdempotencyKey(String tenantId, String key) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE tenant_id = $1 AND idempotency_key = $2")
                .execute(Tuple.of(tenantId, key)).map(InteractionRepository::first);
    }

    /** The tenant's stored interactions, newest first after the cursor; one extra row tells whether another page exists. */
    public Uni<List<Interaction>> page(String tenantId, Instant afterCreated, String afterId, int size) {
        if (afterCreated == null) {
            return pool.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE tenant_id = $1 AND store"
                            + " ORDER BY created_at DESC, id DESC LIMIT $2")
                    .execute(Tuple.of(tenantId, size + 1)).map(InteractionRepository::all);
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE tenant_id = $1 AND store"
                        + " AND (created_at < $2 OR (created_at = $2 AND id < $3)) ORDER BY created_at DESC, id DESC"
                        + " LIMIT $4")
                .execute(Tuple.of(tenantId, time(afterCreated), afterId, size + 1)).map(InteractionRepository::all);
    }

    /** Appends one event under the interaction's row lock and returns it with its sequence number. */
    public Uni<InteractionEvent> append(SqlClient client, String id, String type, JsonObject payload) {
        return client.preparedQuery("UPDATE interaction SET last_event_seq = last_event_seq + 1"
                        + " WHERE id = $1 RETURNING last_event_seq")
                .execute(Tuple.of(id))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().failure(new InteractionGoneException(id));
                    }
                    long seq = rows.iterator().next().getLong(0);
                    return client.preparedQuery("INSERT INTO interaction_event (interaction_id, seq, event_type, payload)"
                                    + " VALUES ($1, $2, $3, $4)")
                            .execute(Tuple.of(id, seq, type, payload))
                            .map(ignored -> new InteractionEvent(id, seq, type, payload));
                });
    }

    /**
     * Moves the interaction to {@code to} if it is in one of the statuses allowed to precede it. Returns false when
     * another actor moved it first.
     */
    public Uni<Boolean> transition(SqlClient client, String id, InteractionStatus to, Instant now, JsonArray errors) {
        Set<InteractionStatus> from = InteractionStatus.sourcesOf(to);
        String sources = from.stream().map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", "));
        String endedAt = to.terminal() ? ", ended_at = $3" : ", started_at = COALESCE(started_at, $3)";
        String errorsSet = errors == null ? "" : ", errors = errors || $4";
        Tuple args = errors == null ? Tuple.of(to.wire(), id, time(now)) : Tuple.of(to.wire(), id, time(now), errors);
        return client.preparedQuery("UPDATE interaction SET status = $1, updated_at = $3, version = version + 1"
                        + endedAt + errorsSet + " WHERE id = $2 AND status IN (" + sources + ")")
                .execute(args).map(rows -> rows.rowCount() == 1);
    }

    /** Adds one model call's tokens and returns the interaction's running total. */
    public Uni<Usage> addUsage(String id, Usage usage) {
        return pool.preparedQuery("UPDATE interaction SET input_tokens = input_tokens + $2,"
                        + " output_tokens = output_tokens + $3, thought_tokens = thought_tokens + $4 WHERE id = $1"
                        + " RETURNING input_tokens, output_tokens, thought_tokens")
                .execute(Tuple.of(id, usage.inputTokens(), usage.outputTokens(), usage.thoughtTokens()))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Usage(row.getLong(0), row.getLong(1), row.getLong(2));
                });
    }

    public Uni<Void> setEnvironment(String id, String environmentId) {
        return pool.preparedQuery("UPDATE interaction SET environment_id = $2 WHERE id = $1")
                .execute(Tuple.of(id, environmentId)).replaceWithVoid();
    }

    public Uni<Void> setArtifacts(SqlClient client, String id, JsonArray artifacts) {
        return client.preparedQuery("UPDATE interaction SET artifacts = $2 WHERE id = $1")
                .execute(Tuple.of(id, artifacts)).replaceWithVoid();
    }

    public Uni<Void> extendLease(String id, Instant until) {
        return pool.preparedQuery("UPDATE interaction SET lease_until = $2 WHERE id = $1")
                .execute(Tuple.of(id, time(until))).replaceWithVoid();
    }

    public Uni<List<InteractionEvent>> events(String id, long afterSeq, int limit) {
        return events(pool, id, afterSeq, limit);
    }

    /** Reads through {@code client}: a transaction reads its own appends, on its own connection. */
    public Uni<List<InteractionEvent>> events(SqlClient client, String id, long afterSeq, int limit) {
        return client.preparedQuery("SELECT seq, event_type, payload FROM interaction_event"
                        + " WHERE interaction_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                .execute(Tuple.of(id, afterSeq, limit))
                .map(rows -> {
                    List<InteractionEvent> events = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        events.add(new InteractionEvent(id, row.getLong(0), row.getString(1), row.getJsonObject(2)));
                    }
                    return events;
                });
    }

    /** The tenant's interactions that have not ended, stored or not, oldest first. */
    public Uni<List<Interaction>> unfinished(String tenantId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE tenant_id = $1"
                        + " AND status IN ('queued', 'in_progress') ORDER BY created_at, id")
                .execute(Tuple.of(tenantId)).map(InteractionRepository::all);
    }

    /** Deletes every interaction of the tenant with its event log (by cascade); answers how many. */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return pool.preparedQuery("DELETE FROM interaction WHERE tenant_id = $1").execute(Tuple.of(tenantId))
                .map(rows -> rows.rowCount());
    }

    public Uni<Boolean> delete(String id) {
        return pool.preparedQuery("DELETE FROM interaction WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Brings the deadline forward to {@code latest} if it is later: work cannot outlive the sandbox it runs in. */
    public Uni<Void> capDeadline(String id, Instant latest) {
        return pool.preparedQuery("UPDATE interaction SET deadline_at = LEAST(deadline_at, $2) WHERE id = $1")
                .execute(Tuple.of(id, time(latest))).replaceWithVoid();
    }

    /**
     * In-progress interactions whose persisted deadline has passed. An agent interaction's timeout runs from its
     * admission (dev.wharf.capacity moves the deadline then), so one not yet admitted is left alone.
     */
    public Uni<List<Interaction>> pastDeadline(Instant now) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE status IN ('queued', 'in_progress')"
                        + " AND deadline_at <= $1 AND (agent IS NULL OR admitted_at IS NOT NULL)")
                .execute(Tuple.of(time(now))).map(InteractionRepository::all);
    }

    /** Agent interactions whose run is under way in a sandbox, to check that it is still alive. */
    public Uni<List<Interaction>> runningAgents() {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE status = 'in_progress'"
                        + " AND run_started").execute().map(InteractionRepository::all);
    }

    /** Marks the agent run as started in its sandbox: from here the sandbox drives it, not a lease. */
    public Uni<Void> markRunStarted(String id) {
        return pool.preparedQuery("UPDATE interaction SET run_started = true, lease_until = NULL WHERE id = $1")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    /**
     * Unfinished work the control plane drove whose owner stopped renewing its lease (it crashed or restarted).
     * Agent interactions waiting in the capacity queue (enqueued, not admitted) have no owner by design.
     */
    public Uni<List<Interaction>> orphaned(Instant now) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM interaction WHERE status IN ('queued', 'in_progress')"
                        + " AND NOT run_started AND (lease_until IS NULL OR lease_until < $1)"
                        + " AND NOT (status = 'queued' AND enqueued_at IS NOT NULL AND admitted_at IS NULL)")
                .execute(Tuple.of(time(now))).map(InteractionRepository::all);
    }

    private static Optional<Interaction> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next()));
    }

    private static List<Interaction> all(RowSet<Row> rows) {
        List<Interaction> result = new ArrayList<>(rows.size());
        rows.forEach(row -> result.add(map(row)));
        return result;
    }

    private static Interaction map(Row row) {
        return new Interaction(
                row.getString("id"),
                row.getString("tenant_id"),
                InteractionStatus.fromWire(row.getString("status")),
                instant(row.getOffsetDateTime("created_at")),
                instant(row.getOffsetDateTime("updated_at")),
                row.getString("model"),
                row.getString("agent"),
                row.getString("previous_interaction_id"),
                row.getString("environment_id"),
                row.getJsonObject("request"),
                row.getBoolean("background"),
                row.getBoolean("store"),
                row.getString("idempotency_key"),
                instant(row.getOffsetDateTime("deadline_at")),
                row.getString("run_token"),
                row.getLong("max_total_tokens"),
                row.getInteger("max_steps"),
                new Usage(row.getLong("input_tokens"), row.getLong("output_tokens"), row.getLong("thought_tokens")),
                row.getJsonArray("errors"),
                row.getJsonArray("artifacts"),
                row.getLong("last_event_seq"),
                instant(row.getOffsetDateTime("admitted_at")));
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
