package dev.wharf.model;

import java.util.List;

/**
 * A model's complete reply: text, thoughts and tool calls in the order produced, the tokens used, and the
 * provider's finish reason (normalised: {@code stop}, {@code tool_calls}, {@code length}, {@code content_filter}
 * or the provider's own word).
 */
public record ModelResponse(List<Part> parts, Usage usage, String finishReason) {
}
