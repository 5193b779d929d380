package dev.wharf.model;

import io.vertx.core.json.JsonObject;

/** A function the model may call: name, description and a JSON Schema for its arguments. */
public record ToolSpec(String name, String description, JsonObject parameters) {
}
