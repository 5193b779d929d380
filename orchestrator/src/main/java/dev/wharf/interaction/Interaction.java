package dev.wharf.interaction;

import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.model.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** An interaction row: what was asked, where it runs, how far it got, and what it cost. */
public record Interaction(
        String id,
        String tenantId,
        InteractionStatus status,
        Instant createdAt,
        Instant updatedAt,
        String model,
        String agent,
        String previousInteractionId,
        String environmentId,
        JsonObject request,
        boolean background,
        boolean store,
        String idempotencyKey,
        Instant deadlineAt,
        String runToken,
        Long maxTotalTokens,
        Integer maxSteps,
        Usage usage,
        JsonArray errors,
        JsonArray artifacts,
        long lastEventSeq,
        /** When the capacity dispatcher admitted this agent interaction; null while queued, and for model calls. */
        Instant admittedAt) {

    public boolean isAgent() {
        return agent != null;
    }
}
