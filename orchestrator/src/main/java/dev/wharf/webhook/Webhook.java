package dev.wharf.webhook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** A subscription: where to POST which events, and the secret they are signed with. */
public record Webhook(String id, String tenantId, String uri, JsonArray subscribedEvents, String state, String secret,
                      int consecutiveFailures, Instant created, Instant updated) {
    public static final String ENABLED = "enabled";
    public static final String DISABLED = "disabled";

    public boolean enabled() {
        return ENABLED.equals(state);
    }

    /** The public view; the secret is never part of it (see {@link #toJsonWithSecret}). */
    public JsonObject toJson() {
        return new JsonObject().put("id", id).put("uri", uri).put("subscribed_events", subscribedEvents.copy())
                .put("state", state)
                .put("created", created.truncatedTo(ChronoUnit.SECONDS).toString())
                .put("updated", updated.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** The view answered to create only: the one time the caller sees the secret. */
    public JsonObject toJsonWithSecret() {
        return toJson().put("secret", secret);
    }
}
