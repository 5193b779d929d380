package dev.wharf.webhook;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One attempt at delivering an event. {@code id} names the delivery (sent as {@code webhook-id}) and is shared
 * by all its attempts; {@code webhookId} is null for a per-request {@code webhook_config} URI.
 */
public record WebhookDelivery(String id, String tenantId, int attempt, String webhookId, String uri, String eventType,
                              String interactionId, JsonObject payload, String status, Integer responseStatus,
                              String error, Instant created, Instant nextAttemptAt, String claimToken) {
    public static final String PENDING = "pending";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("id", id).put("event_type", eventType)
                .put("interaction_id", interactionId).put("attempt", attempt).put("status", status)
                .put("created", created.truncatedTo(ChronoUnit.MILLIS).toString());
        if (responseStatus != null) {
            json.put("response_status", responseStatus);
        }
        if (error != null) {
            json.put("error", error);
        }
        if (nextAttemptAt != null && PENDING.equals(status)) {
            json.put("next_attempt_at", nextAttemptAt.truncatedTo(ChronoUnit.MILLIS).toString());
        }
        return json;
    }
}
