package dev.wharf.lifecycle;

import io.vertx.core.json.JsonObject;

/**
 * Fired (asynchronously, after the commit) when an interaction reaches a terminal status. Carries the stored
 * request so observers need not read a row that {@code store: false} may already have deleted.
 */
public record InteractionEnded(String interactionId, String tenantId, InteractionStatus status, JsonObject request) {
}
