package dev.wharf.model;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Collects a reply's parts in the order the model produced them, whether they arrive whole or as stream
 * deltas, and builds the neutral {@link ModelResponse}. Adjacent text (or thought) deltas merge into one
 * part, so a streamed reply assembles to the same parts as the non-streamed one.
 */
final class ResponseAssembler {
    /** Key under which tool-call arguments that are not a JSON object are kept verbatim. */
    static final String RAW_ARGUMENTS = "_raw";
    /** Prefix of tool-call ids Wharf made up because the provider sent none. */
    static final String GENERATED_ID_PREFIX = "call_wharf_";

    private final List<Part> parts = new ArrayList<>();
    private StringBuilder openText;
    private StringBuilder openThought;

    void text(String delta) {
        if (delta == null || delta.isEmpty()) {
            return;
        }
        if (openText == null) {
            closeOpenParts();
            openText = new StringBuilder();
        }
        openText.append(delta);
    }

    void thought(String delta) {
        if (delta == null || delta.isEmpty()) {
            return;
        }
        if (openThought == null) {
            closeOpenParts();
            openThought = new StringBuilder();
        }
        openThought.append(delta);
    }

    /** A call without an id (some OpenAI-compatible servers omit it) gets one: results are paired with calls by id. */
    void toolCall(String id, String name, JsonObject arguments) {
        closeOpenParts();
        String callId = id == null || id.isBlank() ? GENERATED_ID_PREFIX + UUID.randomUUID() : id;
        parts.add(new Part.ToolCall(callId, name, arguments == null ? new JsonObject() : arguments));
    }

    boolean hasToolCalls() {
        return parts.stream().anyMatch(Part.ToolCall.class::isInstance);
    }

    /**
     * Builds the reply. Several protocols (Gemini always, some OpenAI-compatible servers) say "stop" when the
     * turn ended in tool calls; the loop driving the model needs to know it must run them, so that case
     * reports {@code tool_calls}.
     */
    ModelResponse build(Usage usage, String finishReason) {
        closeOpenParts();
        String reason = finishReason;
        if (hasToolCalls() && (reason == null || "stop".equals(reason))) {
            reason = "tool_calls";
        }
        return new ModelResponse(List.copyOf(parts), usage == null ? Usage.NONE : usage,
                reason == null ? "stop" : reason);
    }

    /**
     * Parses tool-call arguments as the model wrote them. Models do produce broken JSON; rather than fail
     * the whole turn, the text is kept as {@code {"_raw": "..."}} so the tool (or the model, on its next
     * turn) can see what went wrong.
     */
    static JsonObject parseArguments(String raw) {
        if (raw == null || raw.isBlank()) {
            return new JsonObject();
        }
        try {
            Object value = Json.decodeValue(raw);
            if (value instanceof JsonObject object) {
                return object;
            }
        } catch (DecodeException notJson) {
            // Fall through to the raw wrapper.
        }
        return new JsonObject().put(RAW_ARGUMENTS, raw);
    }

    private void closeOpenParts() {
        if (openText != null) {
            parts.add(new Part.Text(openText.toString()));
            openText = null;
        }
        if (openThought != null) {
            parts.add(new Part.Thought(openThought.toString()));
            openThought = null;
        }
    }
}
