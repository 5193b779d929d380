package dev.wharf.webhook;

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
import java.util.function.Function;

/**
 * SQL for webhooks and their delivery attempts. Attempts form a work queue: senders claim due rows with
 * {@code UPDATE ... WHERE (id, attempt) IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING}, writing a claim token
 * that every finalising write must match, so two control planes never send, or settle, the same attempt twice.
 */
@ApplicationScoped
public class WebhookRepository {
    private static final String WEBHOOK_COLUMNS =
            "id, tenant_id, uri, subscribed_events, state, secret, consecutive_failures, created_at, updated_at";
    private static final String DELIVERY_COLUMNS = "id, tenant_id, attempt, webhook_id, uri, event_type, interaction_id, payload,"
            + " status, response_status, error, created_at, next_attempt_at, claim_token";

    private final Pool pool;

    public WebhookRepository(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> inTransaction(Function<SqlClient, Uni<T>> work) {
        return pool.withTransaction(work::apply);
    }

    // ---- webhooks --------------------------------------------------------------------------------------------

    public Uni<Void> insert(Webhook w) {
        return pool.preparedQuery("INSERT INTO webhook (" + WEBHOOK_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.from(new Object[] {w.id(), w.tenantId(), w.uri(), w.subscribedEvents(), w.state(), w.secret(),
                        w.consecutiveFailures(), time(w.created()), time(w.updated())}))
                .replaceWithVoid();
    }

    public Uni<Optional<Webhook>> find(String tenantId, String id) {
        return pool.preparedQuery("SELECT " + WEBHOOK_COLUMNS + " FROM webhook WHERE tenant_id = $1 AND id = $2")
                .execute(Tuple.of(tenantId, id))
                .map(rows -> firstWebhook(rows));
    }

    /** Any tenant's webhook, for signing its deliveries. */
    public Uni<Optional<Webhook>> find(String id) {
        return pool.preparedQuery("SELECT " + WEBHOOK_COLUMNS + " FROM webhook WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> firstWebhook(rows));
    }

    /** Newest first after the cursor; the caller asks for one extra row to learn whether another page exists. */
    public Uni<List<Webhook>> page(String tenantId, Instant afterCreated, String afterId, int limit) {
        return pool.preparedQuery("SELECT " + WEBHOOK_COLUMNS + " FROM webhook WHERE tenant_id = $4"
                        + " AND ($1::timestamptz IS NULL OR created_at < $1 OR (created_at = $1 AND id < $2))"
                        + " ORDER BY created_at DESC, id DESC LIMIT $3")
                .execute(Tuple.of(time(afterCreated), afterId, limit, tenantId))
                .map(rows -> {
                    List<Webhook> all = new ArrayList<>();
                    rows.forEach(row -> all.add(webhook(row)));
                    return all;
                });
    }

    /** Null arguments leave a column as it is; re-enabling resets the failure count. */
    public Uni<Optional<Webhook>> update(String tenantId, String id, String uri, JsonArray events, String state,
                                         Instant now) {
        return pool.preparedQuery("UPDATE webhook SET uri = COALESCE($2, uri),"
                        + " subscribed_events = COALESCE($3, subscribed_events),"
                        + " consecutive_failures = CASE WHEN $4 = 'enabled' AND state = 'disabled' THEN 0"
                        + " ELSE consecutive_failures END,"
                        + " state = COALESCE($4, state), updated_at = $5 WHERE id = $1 AND tenant_id = $6"
                        + " RETURNING " + WEBHOOK_COLUMNS)
                .execute(Tuple.from(new Object[] {id, uri, events, state, time(now), tenantId}))
                .map(WebhookRepository::firstWebhook);
    }

    /**
     * Deletes every webhook of the tenant and every delivery attempt to any of its receivers (also those named by an
     * interaction's webhook_config), so nothing more is sent for it. Answers how many webhooks.
     */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM webhook_delivery WHERE tenant_id = $1")
                .execute(Tuple.of(tenantId))
                .chain(() -> tx.preparedQuery("DELETE FROM webhook WHERE tenant_id = $1").execute(Tuple.of(tenantId)))
                .map(rows -> rows.rowCount()));
    }

    public Uni<Boolean> delete(String tenantId, String id) {
        return pool.preparedQuery("DELETE FROM webhook WHERE tenant_id = $1 AND id = $2").execute(Tuple.of(tenantId, id))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The tenant's enabled webhooks subscribed to {@code eventType}. */
    public Uni<List<Webhook>> tenantSubscribers(String tenantId, String eventType) {
        return tenantSubscribers(pool, tenantId, eventType);
    }

    /** A tenant's enabled webhooks subscribed to {@code eventType}, read in the caller's transaction. */
    public Uni<List<Webhook>> tenantSubscribers(SqlClient client, String tenantId, String eventType) {
        return client.preparedQuery("SELECT " + WEBHOOK_COLUMNS + " FROM webhook WHERE tenant_id = $1 AND state = 'enabled'"
                        + " AND subscribed_events @> jsonb_build_array($2::text)")
                .execute(Tuple.of(tenantId, eventType))
                .map(rows -> {
                    List<Webhook> all = new ArrayList<>();
                    rows.forEach(row -> all.add(webhook(row)));
                    return all;
                });
    }

    /**
     * Counts an attempt's outcome against its webhook: a success resets the count, a failure adds one and
     * disables the webhook once the count reaches {@code disableAfter}.
     */
    public Uni<Void> recordOutcome(SqlClient tx, String webhookId, boolean succeeded, int disableAfter, Instant now) {
        if (succeeded) {
            return tx.preparedQuery("UPDATE webhook SET consecutive_failures = 0 WHERE id = $1")
                    .execute(Tuple.of(webhookId)).replaceWithVoid();
        }
        return tx.preparedQuery("UPDATE webhook SET consecutive_failures = consecutive_failures + 1,"
                        + " state = CASE WHEN consecutive_failures + 1 >= $2 THEN 'disabled' ELSE state END,"
                        + " updated_at = CASE WHEN state = 'enabled' AND consecutive_failures + 1 >= $2 THEN $3"
                        + " ELSE updated_at END WHERE id = $1")
                .execute(Tuple.of(webhookId, disableAfter, time(now))).replaceWithVoid();
    }

    // ---- deliveries ------------------------------------------------------------------------------------------

    /**
     * Inserts attempts already claimed by {@code claimToken} until {@code claimedUntil}, inside the caller's
     * transaction, so the poller leaves them to this plane until the claim lapses.
     */
    public Uni<Void> insertClaimed(SqlClient tx, List<WebhookDelivery> deliveries, String claimToken,
                                   Instant claimedUntil) {
        if (deliveries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> batch = new ArrayList<>();
        for (WebhookDelivery d : deliveries) {
            batch.add(Tuple.from(new Object[] {d.id(), d.attempt(), d.webhookId(), d.uri(), d.eventType(),
                    d.interactionId(), d.payload(), d.status(), time(d.created()), time(d.nextAttemptAt()),
                    claimToken, time(claimedUntil), d.tenantId()}));
        }
        return tx.preparedQuery("INSERT INTO webhook_delivery (id, attempt, webhook_id, uri, event_type,"
                        + " interaction_id, payload, status, created_at, next_attempt_at, claim_token, claimed_until,"
                        + " tenant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                .executeBatch(batch).replaceWithVoid();
    }

    /** Claims up to {@code limit} due pending attempts whose earlier claim (if any) has lapsed. */
    public Uni<List<WebhookDelivery>> claimDue(Instant now, String claimToken, Instant claimedUntil, int limit) {
        return pool.preparedQuery("UPDATE webhook_delivery SET claim_token = $1, claimed_until = $2"
                        + " WHERE (id, attempt) IN (SELECT id, attempt FROM webhook_delivery"
                        + " WHERE status = 'pending' AND next_attempt_at <= $3"
                        + " AND (claimed_until IS NULL OR claimed_until < $3)"
                        + " ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)"
                        + " RETURNING " + DELIVERY_COLUMNS)
                .execute(Tuple.of(claimToken, time(claimedUntil), time(now), limit))
                .map(WebhookRepository::deliveries);
    }

    /** Settles a claimed attempt; false when the claim was lost (another sender owns it now). */
    public Uni<Boolean> settle(SqlClient tx, WebhookDelivery d, String status, Integer responseStatus, String error) {
        return tx.preparedQuery("UPDATE webhook_delivery SET status = $4, response_status = $5, error = $6,"
                        + " claim_token = NULL, claimed_until = NULL"
                        + " WHERE id = $1 AND attempt = $2 AND claim_token = $3 AND status = 'pending'")
                .execute(Tuple.of(d.id(), d.attempt(), d.claimToken(), status, responseStatus, error))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Inserts first attempts, unclaimed and due, in the caller's transaction: the poller sends them. */
    public Uni<Void> insertPending(SqlClient tx, List<WebhookDelivery> deliveries) {
        if (deliveries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> batch = new ArrayList<>();
        for (WebhookDelivery d : deliveries) {
            batch.add(Tuple.from(new Object[] {d.id(), d.attempt(), d.webhookId(), d.uri(), d.eventType(),
                    d.interactionId(), d.payload(), d.status(), time(d.created()), time(d.nextAttemptAt()), d.tenantId()}));
        }
        return tx.preparedQuery("INSERT INTO webhook_delivery (id, attempt, webhook_id, uri, event_type,"
                        + " interaction_id, payload, status, created_at, next_attempt_at, tenant_id)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .executeBatch(batch).replaceWithVoid();
    }

    public Uni<Void> insertRetry(SqlClient tx, WebhookDelivery next) {
        return tx.preparedQuery("INSERT INTO webhook_delivery (id, attempt, webhook_id, uri, event_type,"
                        + " interaction_id, payload, status, created_at, next_attempt_at, tenant_id)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .execute(Tuple.from(new Object[] {next.id(), next.attempt(), next.webhookId(), next.uri(),
                        next.eventType(), next.interactionId(), next.payload(), next.status(), time(next.created()),
                        time(next.nextAttemptAt()), next.tenantId()}))
                .replaceWithVoid();
    }

    /** A webhook's attempts, newest first. */
    public Uni<List<WebhookDelivery>> deliveriesOf(String webhookId, int limit) {
        return pool.preparedQuery("SELECT " + DELIVERY_COLUMNS + " FROM webhook_delivery WHERE webhook_id = $1"
                        + " ORDER BY created_at DESC, attempt DESC LIMIT $2")
                .execute(Tuple.of(webhookId, limit))
                .map(WebhookRepository::deliveries);
    }

    // ---- the platform secret for per-request URIs ------------------------------------------------------------

    /** The stored platform secret, created with {@code candidate} by whichever control plane asks first. */
    public Uni<String> requestSecret(String candidate, Instant now) {
        return pool.preparedQuery("INSERT INTO webhook_secret (singleton, secret, created_at) VALUES (true, $1, $2)"
                        + " ON CONFLICT (singleton) DO NOTHING")
                .execute(Tuple.of(candidate, time(now)))
                .chain(() -> pool.query("SELECT secret FROM webhook_secret").execute())
                .map(rows -> rows.iterator().next().getString("secret"));
    }

    // ---- mapping ---------------------------------------------------------------------------------------------

    private static Optional<Webhook> firstWebhook(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(webhook(rows.iterator().next()));
    }

    private static Webhook webhook(Row row) {
        return new Webhook(row.getString("id"), row.getString("tenant_id"), row.getString("uri"), (JsonArray) row.getValue("subscribed_events"),
                row.getString("state"), row.getString("secret"), row.getInteger("consecutive_failures"),
                instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("updated_at")));
    }

    private static List<WebhookDelivery> deliveries(RowSet<Row> rows) {
        List<WebhookDelivery> all = new ArrayList<>();
        rows.forEach(row -> all.add(new WebhookDelivery(row.getString("id"), row.getString("tenant_id"),
                row.getInteger("attempt"),
                row.getString("webhook_id"), row.getString("uri"), row.getString("event_type"),
                row.getString("interaction_id"), (JsonObject) row.getValue("payload"), row.getString("status"),
                row.getInteger("response_status"), row.getString("error"),
                instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("next_attempt_at")),
                row.getString("claim_token"))));
        return all;
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
