package dev.wharf.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Translates between Wharf's neutral model types and the Anthropic Messages API. */
final class AnthropicMessagesCodec {

    private AnthropicMessagesCodec() {
    }

    static JsonObject request(ModelRequest request, int defaultMaxTokens, boolean stream) {
        GenerationConfig config = request.generationConfig() == null ? GenerationConfig.defaults()
                : request.generationConfig();
        JsonObject body = new JsonObject()
                .put("model", request.model())
                // Required by the API, unlike the other protocols.
                .put("max_tokens", config.maxOutputTokens() != null ? config.maxOutputTokens() : defaultMaxTokens)
                .put("messages", messages(request.messages()));
        String system = systemPrompt(request);
        if (!system.isEmpty()) {
            body.put("system", system);
        }
        if (request.tools() != null && !request.tools().isEmpty()) {
            JsonArray tools = new JsonArray();
            for (ToolSpec tool : request.tools()) {
                JsonObject spec = new JsonObject().put("name", tool.name()).put("input_schema",
                        tool.parameters() == null ? emptyObjectSchema() : tool.parameters());
                if (tool.description() != null) {
                    spec.put("description", tool.description());
                }
                tools.add(spec);
            }
            body.put("tools", tools);
        }
        if (config.temperature() != null) {
            body.put("temperature", config.temperature());
        }
        if (config.topP() != null) {
            body.put("top_p", config.topP());
        }
        if (config.stopSequences() != null && !config.stopSequences().isEmpty()) {
            body.put("stop_sequences", new JsonArray(new ArrayList<>(config.stopSequences())));
        }
        // The Messages API has no seed: sampling cannot be made repeatable there, so it is left out.
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    /**
     * The Messages API (at the version Wharf pins) has no response-schema field, so the schema travels as an
     * instruction in the system prompt. The reply is not guaranteed to conform; callers that must rely on it
     * validate the text.
     */
    private static String systemPrompt(ModelRequest request) {
        StringBuilder system = new StringBuilder();
        if (request.systemInstruction() != null && !request.systemInstruction().isBlank()) {
            system.append(request.systemInstruction());
        }
        if (request.responseFormat() != null) {
            if (!system.isEmpty()) {
                system.append("\n\n");
            }
            system.append("Reply with a single JSON value and nothing else: no prose, no code fences. ")
                    .append("It must conform to this JSON Schema:\n")
                    .append(request.responseFormat().encode());
        }
        return system.toString();
    }

    /**
     * Tool results travel in user turns; consecutive turns of the same role merge (the API wants user and
     * assistant to alternate), with tool results first in a user turn as the API requires.
     */
    private static JsonArray messages(List<Message> messages) {
        JsonArray wire = new JsonArray();
        String lastRole = null;
        JsonArray lastContent = null;
        for (Message message : messages) {
            String role = message.role() == Message.Role.ASSISTANT ? "assistant" : "user";
            JsonArray content = content(message);
            if (content.isEmpty()) {
                continue;
            }
            if (role.equals(lastRole)) {
                content.forEach(lastContent::add);
                continue;
            }
            lastRole = role;
            lastContent = content;
            wire.add(new JsonObject().put("role", role).put("content", content));
        }
        for (Object item : wire) {
            JsonObject message = (JsonObject) item;
            if ("user".equals(message.getString("role"))) {
                message.put("content", toolResultsFirst(message.getJsonArray("content")));
            }
        }
        return wire;
    }

    private static JsonArray content(Message message) {
        JsonArray content = new JsonArray();
        for (Part part : message.parts()) {
            if (part instanceof Part.Text text && text.text() != null && !text.text().isEmpty()) {
                content.add(new JsonObject().put("type", "text").put("text", text.text()));
            } else if (part instanceof Part.Image image && message.role() == Message.Role.USER) {
                JsonObject source = image.data() != null
                        ? new JsonObject().put("type", "base64").put("media_type", image.mimeType()).put("data", image.data())
                        : new JsonObject().put("type", "url").put("url", image.uri());
                content.add(new JsonObject().put("type", "image").put("source", source));
            } else if (part instanceof Part.ToolCall call && message.role() == Message.Role.ASSISTANT) {
                content.add(new JsonObject().put("type", "tool_use").put("id", call.id()).put("name", call.name())
                        .put("input", call.arguments() == null ? new JsonObject() : call.arguments()));
            } else if (part instanceof Part.ToolResult result) {
                JsonObject block = new JsonObject().put("type", "tool_result").put("tool_use_id", result.callId())
                        .put("content", result.result() == null ? "" : result.result());
                if (result.isError()) {
                    block.put("is_error", true);
                }
                content.add(block);
            }
            // Thoughts are not replayed: the API accepts thinking blocks only with the signature it issued,
            // which the neutral types do not carry, and thinking is not enabled in Wharf's requests anyway.
        }
        return content;
    }

    private static JsonArray toolResultsFirst(JsonArray content) {
        JsonArray ordered = new JsonArray();
        content.forEach(block -> {
            if ("tool_result".equals(((JsonObject) block).getString("type"))) {
                ordered.add(block);
            }
        });
        content.forEach(block -> {
            if (!"tool_result".equals(((JsonObject) block).getString("type"))) {
                ordered.add(block);
            }
        });
        return ordered;
    }

    static ModelResponse response(JsonObject body) {
        ResponseAssembler reply = new ResponseAssembler();
        for (Object item : body.getJsonArray("content", new JsonArray())) {
            if (!(item instanceof JsonObject block)) {
                continue;
            }
            switch (block.getString("type", "")) {
                case "text" -> reply.text(block.getString("text"));
                case "thinking" -> reply.thought(block.getString("thinking"));
                case "tool_use" -> reply.toolCall(block.getString("id"), block.getString("name"),
                        block.getValue("input") instanceof JsonObject input ? input : new JsonObject());
                default -> {
                    // redacted_thinking and server-tool blocks carry nothing a Wharf caller can use.
                }
            }
        }
        return reply.build(usage(body.getJsonObject("usage"), Usage.NONE), finishReason(body.getString("stop_reason")));
    }

    /**
     * Cache reads and writes are input the model consumed, billed apart by Anthropic; Wharf counts them as
     * input. Thinking is inside output_tokens and not reported separately. Fields absent from {@code usage}
     * keep their value from {@code previous} (stream events report only what changed).
     */
    static Usage usage(JsonObject usage, Usage previous) {
        if (usage == null) {
            return previous;
        }
        boolean hasInput = usage.containsKey("input_tokens") || usage.containsKey("cache_read_input_tokens")
                || usage.containsKey("cache_creation_input_tokens");
        long input = hasInput ? number(usage, "input_tokens") + number(usage, "cache_read_input_tokens")
                + number(usage, "cache_creation_input_tokens") : previous.inputTokens();
        long output = usage.containsKey("output_tokens") ? number(usage, "output_tokens") : previous.outputTokens();
        return new Usage(input, output, 0);
    }

    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "end_turn", "stop_sequence" -> "stop";
            case "tool_use" -> "tool_calls";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "refusal" -> "content_filter";
            default -> stopReason;
        };
    }

    /** input_schema is required; a tool without parameters takes an empty object. */
    private static JsonObject emptyObjectSchema() {
        return new JsonObject().put("type", "object").put("properties", new JsonObject());
    }

    private static long number(JsonObject object, String key) {
        return object.getValue(key) instanceof Number n ? n.longValue() : 0L;
    }

    /**
     * Assembles a streamed reply from message_start, content_block_start/delta/stop, message_delta and
     * message_stop. Text and thinking deltas pass straight through; a tool_use block's input arrives as
     * partial JSON and is parsed when its block stops.
     */
    static final class StreamDecoder implements ModelHttpClient.StreamDecoder {
        private final String provider;
        private final ResponseAssembler reply = new ResponseAssembler();
        private final Map<Integer, PendingToolUse> toolUses = new HashMap<>();
        private Usage usage = Usage.NONE;
        private String stopReason;

        StreamDecoder(String provider) {
            this.provider = provider;
        }

        @Override
        public boolean accept(SseParser.Event event, Consumer<ModelEvent> sink) {
            JsonObject data = new JsonObject(event.data());
            String type = data.getString("type", event.event() == null ? "" : event.event());
            switch (type) {
                case "message_start" -> usage = usage(data.getJsonObject("message", new JsonObject())
                        .getJsonObject("usage"), usage);
                case "content_block_start" -> {
                    JsonObject block = data.getJsonObject("content_block", new JsonObject());
                    if ("tool_use".equals(block.getString("type"))) {
                        toolUses.put(data.getInteger("index", 0),
                                new PendingToolUse(block.getString("id"), block.getString("name")));
                    } else if ("text".equals(block.getString("type"))) {
                        emitText(block.getString("text"), sink);
                    }
                }
                case "content_block_delta" -> {
                    JsonObject delta = data.getJsonObject("delta", new JsonObject());
                    switch (delta.getString("type", "")) {
                        case "text_delta" -> emitText(delta.getString("text"), sink);
                        case "thinking_delta" -> {
                            String thought = delta.getString("thinking");
                            if (thought != null && !thought.isEmpty()) {
                                reply.thought(thought);
                                sink.accept(new ModelEvent.ThoughtDelta(thought));
                            }
                        }
                        case "input_json_delta" -> {
                            PendingToolUse toolUse = toolUses.get(data.getInteger("index", 0));
                            if (toolUse != null && delta.getString("partial_json") != null) {
                                toolUse.input.append(delta.getString("partial_json"));
                            }
                        }
                        default -> {
                            // signature_delta and citations do not change the neutral reply.
                        }
                    }
                }
                case "content_block_stop" -> {
                    PendingToolUse toolUse = toolUses.remove(data.getInteger("index", 0));
                    if (toolUse != null) {
                        reply.toolCall(toolUse.id, toolUse.name,
                                ResponseAssembler.parseArguments(toolUse.input.toString()));
                    }
                }
                case "message_delta" -> {
                    usage = usage(data.getJsonObject("usage"), usage);
                    String reason = data.getJsonObject("delta", new JsonObject()).getString("stop_reason");
                    if (reason != null) {
                        stopReason = reason;
                    }
                }
                case "message_stop" -> {
                    return true;
                }
                case "error" -> throw streamError(data.getJsonObject("error", new JsonObject()));
                default -> {
                    // ping, and event types added after this was written.
                }
            }
            return false;
        }

        private void emitText(String text, Consumer<ModelEvent> sink) {
            if (text != null && !text.isEmpty()) {
                reply.text(text);
                sink.accept(new ModelEvent.TextDelta(text));
            }
        }

        /** Errors after the 200 (overload, mostly) come as an event; map their type to the status it stands for. */
        private ModelProviderException streamError(JsonObject error) {
            int status = switch (error.getString("type", "")) {
                case "overloaded_error" -> 529;
                case "rate_limit_error" -> 429;
                case "invalid_request_error" -> 400;
                default -> 500;
            };
            return new ModelProviderException(provider, status,
                    provider + " failed mid-stream: " + error.getString("message", error.getString("type", "error")));
        }

        @Override
        public ModelResponse finish() {
            return reply.build(usage, finishReason(stopReason));
        }

        private static final class PendingToolUse {
            private final String id;
            private final String name;
            private final StringBuilder input = new StringBuilder();

            private PendingToolUse(String id, String name) {
                this.id = id;
                this.name = name;
            }
        }
    }
}
