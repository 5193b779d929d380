package dev.wharf.runtime.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The model's answer to one {@code /model} call, reduced to what the loop acts on. Text and thought
 * parts are ignored here: the control plane has already recorded the whole turn.
 *
 * @param finishReason as the gateway reported it, e.g. {@code stop} or {@code tool_calls}; may be null
 */
public record ModelTurn(List<ToolCall> toolCalls, String finishReason) {

    static final String TOOL_CALL = "tool_call";

    public ModelTurn {
        toolCalls = List.copyOf(toolCalls);
    }

    /** @throws IllegalArgumentException when the answer does not have the agreed shape */
    static ModelTurn fromJson(Map<String, Object> json) {
        Object parts = json.get("parts");
        if (parts != null && !(parts instanceof List)) {
            throw new IllegalArgumentException("the model turn's parts are not a list");
        }
        List<ToolCall> calls = new ArrayList<>();
        for (Object part : parts == null ? List.of() : (List<?>) parts) {
            if (!(part instanceof Map)) {
                throw new IllegalArgumentException("a part of the model turn is not an object");
            }
            Map<?, ?> fields = (Map<?, ?>) part;
            if (TOOL_CALL.equals(fields.get("type"))) {
                if (!(fields.get("name") instanceof String)) {
                    throw new IllegalArgumentException("a tool call of the model turn has no name");
                }
                Object id = fields.get("id");
                calls.add(new ToolCall(id == null ? "" : String.valueOf(id), (String) fields.get("name"),
                        fields.get("arguments")));
            }
        }
        Object finishReason = json.get("finish_reason");
        return new ModelTurn(calls, finishReason instanceof String ? (String) finishReason : null);
    }
}
