package dev.wharf.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Translates between Wharf's neutral model types and the OpenAI Chat Completions wire format, which vLLM,
 * Ollama, llama.cpp and LiteLLM speak too. Only fields every one of those servers accepts are sent; the
 * reasoning text some of them return ({@code reasoning_content}, {@code reasoning}) is read as thoughts.
 */
final class OpenAiChatCodec {
    /** Name given to a response_format schema that carries no usable title; the API requires one. */
    private static final String DEFAULT_SCHEMA_NAME = "response";

    private OpenAiChatCodec() {
    }

    static JsonObject request(ModelRequest request, String maxTokensField, boolean stream) {
        JsonObject body = new JsonObject().put("model", request.model()).put("messages", messages(request));
        if (request.tools() != null && !request.tools().isEmpty()) {
            JsonArray tools = new JsonArray();
            for (ToolSpec tool : request.tools()) {
                JsonObject function = new JsonObject().put("name", tool.name())
                        .put("parameters", tool.parameters() == null ? emptyObjectSchema() : tool.parameters());
                if (tool.description() != null) {
                    function.put("description", tool.description());
                }
                tools.add(new JsonObject().put("type", "function").put("function", function));
            }
            body.put("tools", tools);
        }
        GenerationConfig config = request.generationConfig();
        if (config != null) {
            putIfPresent(body, "temperature", config.temperature());
            putIfPresent(body, "top_p", config.topP());
            putIfPresent(body, maxTokensField, config.maxOutputTokens());
            putIfPresent(body, "seed", config.seed());
            if (config.stopSequences() != null && !config.stopSequences().isEmpty()) {
                body.put("stop", new JsonArray(new ArrayList<>(config.stopSequences())));
            }
        }
        if (request.responseFormat() != null) {
            body.put("response_format", new JsonObject().put("type", "json_schema").put("json_schema",
                    new JsonObject().put("name", schemaName(request.responseFormat()))
                            .put("schema", request.responseFormat())));
        }
        if (stream) {
            // Without include_usage a streamed call reports no tokens, and metering would see zero.
            body.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
        }
        return body;
    }

    private static JsonArray messages(ModelRequest request) {
        JsonArray messages = new JsonArray();
        if (request.systemInstruction() != null && !request.systemInstruction().isBlank()) {
            messages.add(new JsonObject().put("role", "system").put("content", request.systemInstruction()));
        }
        for (Message message : request.messages()) {
            switch (message.role()) {
                case USER -> messages.add(userMessage(message.parts()));
                case ASSISTANT -> {
                    JsonObject assistant = assistantMessage(message.parts());
                    if (assistant != null) {
                        messages.add(assistant);
                    }
                }
                case TOOL -> {
                    // One wire message per result: the protocol ties each to its call by tool_call_id.
                    for (Part part : message.parts()) {
                        if (part instanceof Part.ToolResult result) {
                            messages.add(new JsonObject().put("role", "tool").put("tool_call_id", result.callId())
                                    .put("content", toolResultText(result)));
                        }
                    }
                }
            }
        }
        return messages;
    }

    private static JsonObject userMessage(List<Part> parts) {
        boolean hasImage = parts.stream().anyMatch(Part.Image.class::isInstance);
        long texts = parts.stream().filter(Part.Text.class::isInstance).count();
        if (!hasImage && texts <= 1) {
            // Plain string content: the one shape every compatible server accepts.
            return new JsonObject().put("role", "user").put("content", joinedText(parts));
        }
        JsonArray content = new JsonArray();
        for (Part part : parts) {
            if (part instanceof Part.Text text) {
                content.add(new JsonObject().put("type", "text").put("text", text.text()));
            } else if (part instanceof Part.Image image) {
                String url = image.data() != null ? "data:" + image.mimeType() + ";base64," + image.data() : image.uri();
                content.add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url)));
            }
        }
        return new JsonObject().put("role", "user").put("content", content);
    }

    /** Thoughts are not sent back: Chat Completions has no input field for them. Null when nothing remains. */
    private static JsonObject assistantMessage(List<Part> parts) {
        String text = joinedText(parts);
        JsonArray calls = new JsonArray();
        for (Part part : parts) {
            if (part instanceof Part.ToolCall call) {
                calls.add(new JsonObject().put("id", call.id()).put("type", "function").put("function",
                        new JsonObject().put("name", call.name())
                                .put("arguments", (call.arguments() == null ? new JsonObject() : call.arguments()).encode())));
            }
        }
        if (text.isEmpty() && calls.isEmpty()) {
            return null;
        }
        JsonObject message = new JsonObject().put("role", "assistant");
        if (text.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text);
        }
        if (!calls.isEmpty()) {
            message.put("tool_calls", calls);
        }
        return message;
    }

    /** The protocol has no error flag on tool messages, so a failure is said in words the model reads. */
    private static String toolResultText(Part.ToolResult result) {
        String text = result.result() == null ? "" : result.result();
        return result.isError() ? "Error: " + text : text;
    }

    static ModelResponse response(JsonObject body) {
        ResponseAssembler reply = new ResponseAssembler();
        JsonObject choice = firstChoice(body);
        String finishReason = null;
        if (choice != null) {
            JsonObject message = choice.getJsonObject("message", new JsonObject());
            reply.thought(reasoning(message));
            reply.text(message.getString("content"));
            // A refusal is what the model said instead of an answer; surface it as its reply.
            reply.text(message.getString("refusal"));
            for (Object item : message.getJsonArray("tool_calls", new JsonArray())) {
                if (item instanceof JsonObject call) {
                    JsonObject function = call.getJsonObject("function", new JsonObject());
                    reply.toolCall(call.getString("id"), function.getString("name"),
                            ResponseAssembler.parseArguments(function.getString("arguments")));
                }
            }
            finishReason = choice.getString("finish_reason");
        }
        return reply.build(usage(body.getJsonObject("usage")), finishReason(finishReason));
    }

    static Usage usage(JsonObject usage) {
        if (usage == null) {
            return Usage.NONE;
        }
        long completion = usage.getLong("completion_tokens", 0L);
        JsonObject details = usage.getJsonObject("completion_tokens_details");
        long reasoning = details == null || details.getLong("reasoning_tokens") == null ? 0L
                : details.getLong("reasoning_tokens");
        // completion_tokens includes reasoning; Usage counts them apart so that total() does not count twice.
        return new Usage(usage.getLong("prompt_tokens", 0L), Math.max(0, completion - reasoning), reasoning);
    }

    static String finishReason(String reason) {
        if (reason == null) {
            return null;
        }
        // function_call is the pre-tools spelling of the same thing.
        return "function_call".equals(reason) ? "tool_calls" : reason;
    }

    /** vLLM, llama.cpp and DeepSeek say reasoning_content; OpenRouter, Ollama and newer vLLM say reasoning. */
    private static String reasoning(JsonObject message) {
        String reasoning = message.getValue("reasoning_content") instanceof String text ? text : null;
        if (reasoning == null && message.getValue("reasoning") instanceof String text) {
            reasoning = text;
        }
        return reasoning;
    }

    private static JsonObject firstChoice(JsonObject body) {
        JsonArray choices = body.getJsonArray("choices");
        return choices == null || choices.isEmpty() ? null : choices.getJsonObject(0);
    }

    /**
     * Assembles a streamed reply: text and reasoning deltas pass straight through; tool calls arrive as
     * fragments keyed by {@code index} (id and name in the first, argument text spread over the rest) and are
     * joined when the stream ends.
     */
    static final class StreamDecoder implements ModelHttpClient.StreamDecoder {
        private final String provider;
        private final ResponseAssembler reply = new ResponseAssembler();
        private final Map<Integer, PendingCall> calls = new LinkedHashMap<>();
        private Usage usage = Usage.NONE;
        private String finishReason;

        StreamDecoder(String provider) {
            this.provider = provider;
        }

        @Override
        public boolean accept(SseParser.Event event, Consumer<ModelEvent> sink) {
            if ("[DONE]".equals(event.data().strip())) {
                return true;
            }
            JsonObject chunk = new JsonObject(event.data());
            if (chunk.getValue("error") != null) {
                throw streamError(chunk.getValue("error"));
            }
            if (chunk.getJsonObject("usage") != null) {
                usage = usage(chunk.getJsonObject("usage"));
            }
            JsonObject choice = firstChoice(chunk);
            if (choice == null) {
                return false;
            }
            JsonObject delta = choice.getJsonObject("delta", new JsonObject());
            String thought = reasoning(delta);
            if (thought != null && !thought.isEmpty()) {
                reply.thought(thought);
                sink.accept(new ModelEvent.ThoughtDelta(thought));
            }
            String text = delta.getValue("content") instanceof String content ? content : null;
            if (text != null && !text.isEmpty()) {
                reply.text(text);
                sink.accept(new ModelEvent.TextDelta(text));
            }
            for (Object item : delta.getJsonArray("tool_calls", new JsonArray())) {
                if (item instanceof JsonObject fragment) {
                    addFragment(fragment);
                }
            }
            if (choice.getString("finish_reason") != null) {
                finishReason = choice.getString("finish_reason");
            }
            return false;
        }

        private void addFragment(JsonObject fragment) {
            Integer index = fragment.getInteger("index");
            if (index == null) {
                // Servers that omit the index send each call whole; a new id means a new call.
                String id = fragment.getString("id");
                index = id == null && !calls.isEmpty() ? calls.size() - 1 : calls.size();
            }
            PendingCall call = calls.computeIfAbsent(index, ignored -> new PendingCall());
            if (fragment.getString("id") != null) {
                call.id = fragment.getString("id");
            }
            JsonObject function = fragment.getJsonObject("function", new JsonObject());
            if (function.getString("name") != null) {
                call.name = function.getString("name");
            }
            if (function.getString("arguments") != null) {
                call.arguments.append(function.getString("arguments"));
            }
        }

        private ModelProviderException streamError(Object error) {
            String message = error instanceof JsonObject object ? object.getString("message", "stream failed")
                    : String.valueOf(error);
            int status = error instanceof JsonObject object && object.getValue("code") instanceof Number code
                    ? code.intValue() : 500;
            return new ModelProviderException(provider, status, provider + " failed mid-stream: " + message);
        }

        @Override
        public ModelResponse finish() {
            for (PendingCall call : calls.values()) {
                reply.toolCall(call.id, call.name, ResponseAssembler.parseArguments(call.arguments.toString()));
            }
            return reply.build(usage, finishReason(finishReason));
        }

        private static final class PendingCall {
            private String id;
            private String name;
            private final StringBuilder arguments = new StringBuilder();
        }
    }

    private static String joinedText(List<Part> parts) {
        StringBuilder text = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Part.Text t && t.text() != null) {
                text.append(t.text());
            }
        }
        return text.toString();
    }

    private static String schemaName(JsonObject schema) {
        String title = schema.getValue("title") instanceof String t ? t : null;
        // The API allows only [a-zA-Z0-9_-], at most 64 characters.
        return title != null && title.matches("[A-Za-z0-9_-]{1,64}") ? title : DEFAULT_SCHEMA_NAME;
    }

    /** Some compatible servers reject a function without parameters; an empty object schema is always accepted. */
    private static JsonObject emptyObjectSchema() {
        return new JsonObject().put("type", "object").put("properties", new JsonObject());
    }

    private static void putIfPresent(JsonObject body, String key, Object value) {
        if (value != null) {
            body.put(key, value);
        }
    }
}
