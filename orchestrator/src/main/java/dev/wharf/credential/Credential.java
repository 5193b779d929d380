package dev.wharf.credential;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;

/**
 * A stored credential: its settings in plaintext, its secret fields only as sealed bytes (see {@link SealedSecret}).
 * Nothing here is secret, and {@link #toJson} still shows only what the contract lists.
 */
public record Credential(String tenantId, String id, CredentialType type, CredentialStatus status, JsonObject settings,
                         Map<String, byte[]> sealed, Instant created, Instant updated) {

    /** The answer: {@code id, type, status, create_time, update_time}, and nothing else (the contract's list). */
    public JsonObject toJson() {
        return new JsonObject().put("id", id).put("type", type.wire()).put("status", status.wire())
                .put("create_time", created.toString()).put("update_time", updated.toString());
    }
}
