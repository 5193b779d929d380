package dev.wharf.model;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One call to a model. {@code model} is the provider's own model name (the part after {@code provider/}).
 * {@code responseFormat} is an optional JSON Schema the reply must follow.
 */
public record ModelRequest(String model, String systemInstruction, List<Message> messages, List<ToolSpec> tools,
                           GenerationConfig generationConfig, JsonObject responseFormat) {
}
