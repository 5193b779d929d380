package dev.wharf.tenant;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** An API key as listed: never the key itself, which exists only in the answer that created it. */
public record ApiKey(String id, String tenantId, String name, String prefix, Instant created, Instant lastUsed,
                     Instant revoked) {

    public boolean active() {
        return revoked == null;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject()
                .put("id", id)
                .put("tenant_id", tenantId)
                .put("prefix", prefix)
                .put("state", active() ? "active" : "revoked")
                .put("created", format(created));
        if (name != null) {
            json.put("name", name);
        }
        if (lastUsed != null) {
            json.put("last_used", format(lastUsed));
        }
        if (revoked != null) {
            json.put("revoked", format(revoked));
        }
        return json;
    }

    private static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
