package dev.wharf.webhook;

import dev.wharf.api.ResourceIds;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Turns ended interactions into signed webhook deliveries and sends them. Every attempt is a row first: an
 * event is enqueued (already claimed by this process) and sent at once; failures schedule the next attempt
 * with a persisted {@code next_attempt_at}, which the poller claims when due, on whichever control plane gets
 * there first. Nothing is sent inside a transaction: claim, commit, POST, then settle conditionally on the claim.
 */
@ApplicationScoped
public class WebhookDispatcher {
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    /** Error texts from receivers and the network are quoted up to this many characters. */
    private static final int MAX_ERROR_CHARS = 500;

    private final WebhookRepository repository;
    private final WebhookConfig config;
    private final Clock clock;
    private final HttpClient http;
    private final AtomicReference<String> requestSecret = new AtomicReference<>();

    public WebhookDispatcher(WebhookRepository repository, WebhookConfig config, Clock clock, Vertx vertx) {
        this.repository = repository;
        this.config = config;
        this.clock = clock;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.timeout().toMillis())
                .setKeepAlive(false));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /**
     * How an interaction ended, for the webhooks that hear of it: its tenant's subscribers and the
     * {@code webhook_config.uris} of its request.
     *
     * @param status  the terminal status's wire name
     * @param request the create request as stored (its {@code webhook_config})
     */
    public record InteractionEnd(String tenantId, String interactionId, String status, JsonObject request) {
    }

    /** Deliveries written in a transaction and claimed by this control plane, to send once it committed. */
    public record Claimed(List<WebhookDelivery> deliveries) {
        public static final Claimed NONE = new Claimed(List.of());
    }

    /**
     * Writes one delivery per recipient of the event {@code end} raises inside the caller's transaction: the
     * transaction that ends the interaction (an outbox). They exist exactly when that commits, claimed by this plane
     * for one claim lease: {@link #send(Claimed)} them after the commit; if this plane dies first, the claim lapses
     * and any plane's poller sends them, with the same webhook-id.
     */
    public Uni<Claimed> enqueueInteractionEnd(SqlClient tx, InteractionEnd end) {
        var type = WebhookEventType.forInteraction(end.status());
        if (type.isEmpty()) {
            return Uni.createFrom().item(Claimed.NONE);
        }
        JsonObject webhookConfig = end.request() != null
                && end.request().getValue("webhook_config") instanceof JsonObject c ? c : new JsonObject();
        Instant now = clock.instant();
        JsonObject data = new JsonObject().put("id", end.interactionId()).put("status", end.status());
        if (webhookConfig.getValue("user_metadata") instanceof JsonObject metadata) {
            data.put("user_metadata", metadata.copy());
        }
        JsonObject payload = new JsonObject().put("type", type.get().wire()).put("timestamp", now.toString())
                .put("data", data);
        return repository.tenantSubscribers(tx, end.tenantId(), type.get().wire()).chain(webhooks -> {
            List<WebhookDelivery> deliveries = new ArrayList<>();
            webhooks.forEach(webhook -> deliveries.add(firstAttempt(end.tenantId(), webhook.id(), webhook.uri(),
                    type.get(), end.interactionId(), payload, now)));
            if (webhookConfig.getValue("uris") instanceof io.vertx.core.json.JsonArray uris) {
                for (Object uri : uris) {
                    try {
                        deliveries.add(firstAttempt(end.tenantId(), null, WebhookService.validUri(uri), type.get(),
                                end.interactionId(), payload, now));
                    } catch (RuntimeException e) {
                        LOG.warnf("interaction %s: skipping webhook_config uri %s: %s", end.interactionId(), uri,
                                e.getMessage());
                    }
                }
            }
            String token = ResourceIds.randomToken(26);
            List<WebhookDelivery> claimed = deliveries.stream().map(d -> withClaim(d, token)).toList();
            return repository.insertClaimed(tx, claimed, token, now.plus(claimLease()))
                    .replaceWith(new Claimed(claimed));
        });
    }

    /** Sends deliveries claimed in a transaction that has committed; failures are retried by the poller. */
    public void send(Claimed claimed) {
        sendAll(claimed.deliveries()).subscribe().with(ignored -> { },
                e -> LOG.warnf("webhook deliveries not sent yet (they are retried): %s", e.getMessage()));
    }

    /**
     * Enqueues an event for a tenant's webhooks inside the caller's transaction (an outbox): the deliveries exist
     * exactly when the caller's change commits, and the poller sends them within {@code poll-interval}. Used for
     * events that are not an interaction's end, such as {@code budget.threshold_reached}. Returns how many.
     */
    public Uni<Integer> enqueueForTenant(SqlClient tx, String tenantId,
                                         WebhookEventType type, JsonObject data) {
        Instant now = clock.instant();
        JsonObject payload = new JsonObject().put("type", type.wire()).put("timestamp", now.toString())
                .put("data", data);
        return repository.tenantSubscribers(tx, tenantId, type.wire()).chain(webhooks -> {
            List<WebhookDelivery> deliveries = webhooks.stream()
                    .map(webhook -> firstAttempt(tenantId, webhook.id(), webhook.uri(), type, null, payload, now))
                    .toList();
            return repository.insertPending(tx, deliveries).replaceWith(deliveries.size());
        });
    }

    @Scheduled(identity = "webhook-deliveries", every = "${wharf.webhooks.poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return deliverDue()
                .onFailure().invoke(e -> LOG.warnf("webhook delivery pass failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** Claims the attempts that are due (retries, and first attempts a crashed sender left) and sends them. */
    public Uni<Void> deliverDue() {
        Instant now = clock.instant();
        return repository.claimDue(now, ResourceIds.randomToken(26), now.plus(claimLease()), config.batchSize())
                .chain(this::sendAll);
    }

    private Uni<Void> sendAll(List<WebhookDelivery> deliveries) {
        if (deliveries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(deliveries.stream().map(this::send).toList()).andCollectFailures().replaceWithVoid();
    }

    private Uni<Void> send(WebhookDelivery delivery) {
        Uni<String> secret;
        if (delivery.webhookId() == null) {
            secret = requestSecret();
        } else {
            secret = repository.find(delivery.webhookId()).map(found -> found.filter(Webhook::enabled)
                    .map(Webhook::secret).orElse(null));
        }
        return secret.chain(key -> {
            if (key == null) {
                // Disabled (or deleted) since the event: stop without sending and without further retries.
                return settle(delivery, null, "webhook is disabled", false);
            }
            String body = delivery.payload().encode();
            long timestamp = clock.instant().getEpochSecond();
            return post(delivery, key, timestamp, body)
                    .chain(status -> settle(delivery, status,
                            status / 100 == 2 ? null : "receiver answered HTTP " + status, true))
                    .onFailure().recoverWithUni(e -> settle(delivery, null, describe(e), true));
        }).onFailure().invoke(e -> LOG.warnf("webhook delivery %s attempt %d: %s", delivery.id(), delivery.attempt(),
                e.getMessage()));
    }

    private Uni<Integer> post(WebhookDelivery delivery, String secret, long timestamp, String body) {
        long timeoutMillis = config.timeout().toMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(delivery.uri())
                .setConnectTimeout(timeoutMillis)
                .setIdleTimeout(timeoutMillis)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "Wharf-Webhooks")
                .putHeader("webhook-id", delivery.id())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader("webhook-signature", WebhookSignature.sign(secret, delivery.id(), timestamp, body));
        return Uni.createFrom().deferred(() -> {
            Future<Integer> status = http.request(options)
                    .compose(request -> request.send(Buffer.buffer(body)))
                    .compose(response -> response.body().map(ignored -> response.statusCode()));
            return Uni.createFrom().completionStage(status.toCompletionStage());
        }).ifNoItem().after(config.timeout().multipliedBy(2)).failWith(
                () -> new java.util.concurrent.TimeoutException("no answer within " + config.timeout()));
    }

    /**
     * Records the attempt's outcome if this sender still holds its claim; schedules the next attempt after a
     * failure (backoff base, doubling) until max attempts, and counts the outcome against the webhook.
     */
    private Uni<Void> settle(WebhookDelivery delivery, Integer responseStatus, String error, boolean retryable) {
        boolean succeeded = responseStatus != null && responseStatus / 100 == 2;
        Instant now = clock.instant();
        return repository.inTransaction(tx -> repository.settle(tx, delivery,
                        succeeded ? WebhookDelivery.SUCCEEDED : WebhookDelivery.FAILED, responseStatus, truncate(error))
                .chain(mine -> {
                    if (!mine) {
                        return Uni.createFrom().voidItem();
                    }
                    Uni<Void> retry = Uni.createFrom().voidItem();
                    if (!succeeded && retryable && delivery.attempt() < config.maxAttempts()) {
                        Duration wait = config.backoffBase().multipliedBy(1L << (delivery.attempt() - 1));
                        retry = repository.insertRetry(tx, new WebhookDelivery(delivery.id(), delivery.tenantId(),
                                delivery.attempt() + 1,
                                delivery.webhookId(), delivery.uri(), delivery.eventType(), delivery.interactionId(),
                                delivery.payload(), WebhookDelivery.PENDING, null, null, now, now.plus(wait), null));
                    }
                    if (delivery.webhookId() == null || !retryable) {
                        return retry;
                    }
                    return retry.chain(() -> repository.recordOutcome(tx, delivery.webhookId(), succeeded,
                            config.disableAfter(), now));
                }));
    }

    /** The configured platform secret, or the stored one, generated by the first control plane that needs it. */
    Uni<String> requestSecret() {
        if (config.requestSecret().isPresent()) {
            return Uni.createFrom().item(config.requestSecret().get());
        }
        String known = requestSecret.get();
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return repository.requestSecret(WebhookSignature.newSecret(), clock.instant()).invoke(requestSecret::set);
    }

    private WebhookDelivery firstAttempt(String tenantId, String webhookId, String uri, WebhookEventType type,
                                         String interactionId, JsonObject payload, Instant now) {
        return new WebhookDelivery(ResourceIds.newId("msg"), tenantId, 1, webhookId, uri, type.wire(), interactionId, payload,
                WebhookDelivery.PENDING, null, null, now, now, null);
    }

    private static WebhookDelivery withClaim(WebhookDelivery d, String token) {
        return new WebhookDelivery(d.id(), d.tenantId(), d.attempt(), d.webhookId(), d.uri(), d.eventType(), d.interactionId(),
                d.payload(), d.status(), d.responseStatus(), d.error(), d.created(), d.nextAttemptAt(), token);
    }

    /** A claim outlives the slowest possible attempt (connect plus answer), so it never lapses mid-send. */
    private Duration claimLease() {
        return config.timeout().multipliedBy(3);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "delivery failed: " + message;
    }

    private static String truncate(String text) {
        return text == null || text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS);
    }
}
