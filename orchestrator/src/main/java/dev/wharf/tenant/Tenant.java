package dev.wharf.tenant;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** A customer of the platform: owns interactions, environments, agents and webhooks, and has its own limits. */
public record Tenant(String id, String name, Instant created, Instant updated, TenantLimits limits) {

    /** The tenant existing rows and a fresh installation's first key belong to. */
    public static final String DEFAULT_ID = "default";

    public JsonObject toJson() {
        return new JsonObject()
                .put("id", id)
                .put("name", name)
                .put("created", created.truncatedTo(ChronoUnit.SECONDS).toString())
                .put("updated", updated.truncatedTo(ChronoUnit.SECONDS).toString())
                .put("limits", limits.toJson());
    }
}
