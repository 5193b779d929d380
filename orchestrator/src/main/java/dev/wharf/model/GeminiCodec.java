package dev.wharf.model;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Translates between Wharf's neutral model types and the Gemini API (generateContent). */
final class GeminiCodec {
    /**
     * Gemini often returns function calls without an id. Wharf needs one to pair each result with its call,
     * so it makes one up under this prefix, and never sends such made-up ids back to Gemini.
     */
    static final String SYNTHETIC_CALL_ID_PREFIX = "gemini-call-";
    /**
     * Google's documented stand-in for a thought signature. Gemini 3 rejects a replayed function call without
     * the signature it issued, and the neutral types cannot carry signatures (see {@link Part.ToolCall}).
     */
    static final String SIGNATURE_PLACEHOLDER = "skip_thought_signature_validator";
    /** Model generations that neither need nor expect thought signatures on replayed function calls. */
    private static final Pattern UNSIGNED_MODELS = Pattern.compile("^gemini-[12]([.-].*)?$");

    private GeminiCodec() {
    }

    /** The path segment after {@code models/}; accepts ids given with or without that prefix. */
    static String modelPath(String model) {
        return model.startsWith("models/") ? model : "models/" + model;
    }

    static JsonObject request(ModelRequest request) {
        JsonObject body = new JsonObject().put("contents", contents(request));
        if (request.systemInstruction() != null && !request.systemInstruction().isBlank()) {
            body.put("systemInstruction", new JsonObject().put("parts",
                    new JsonArray().add(new JsonObject().put("text", request.systemInstruction()))));
        }
        if (request.tools() != null && !request.tools().isEmpty()) {
            JsonArray declarations = new JsonArray();
            for (ToolSpec tool : request.tools()) {
                JsonObject declaration = new JsonObject().put("name", tool.name());
                if (tool.description() != null) {
                    declaration.put("description", tool.description());
                }
                if (tool.parameters() != null) {
                    // parametersJsonSchema takes JSON Schema as written; "parameters" wants Gemini's OpenAPI subset.
                    declaration.put("parametersJsonSchema", tool.parameters());
                }
                declarations.add(declaration);
            }
            body.put("tools", new JsonArray().add(new JsonObject().put("functionDeclarations", declarations)));
        }
        JsonObject generation = generationConfig(request);
        if (!generation.isEmpty()) {
            body.put("generationConfig", generation);
        }
        return body;
    }

    private static JsonObject generationConfig(ModelRequest request) {
        JsonObject generation = new JsonObject();
        GenerationConfig config = request.generationConfig();
        if (config != null) {
            putIfPresent(generation, "temperature", config.temperature());
            putIfPresent(generation, "topP", config.topP());
            putIfPresent(generation, "maxOutputTokens", config.maxOutputTokens());
            putIfPresent(generation, "seed", config.seed());
            if (config.stopSequences() != null && !config.stopSequences().isEmpty()) {
                generation.put("stopSequences", new JsonArray(new ArrayList<>(config.stopSequences())));
            }
        }
        if (request.responseFormat() != null) {
            // responseJsonSchema takes JSON Schema as written; responseSchema wants the OpenAPI subset.
            generation.put("responseMimeType", "application/json").put("responseJsonSchema", request.responseFormat());
        }
        return generation;
    }

    /** Tool results go back in user turns; consecutive turns of one role merge into one content. */
    private static JsonArray contents(ModelRequest request) {
        boolean signCalls = !UNSIGNED_MODELS.matcher(request.model().replaceFirst("^models/", "")).matches();
        Map<String, String> callNames = new HashMap<>();
        JsonArray contents = new JsonArray();
        String lastRole = null;
        JsonArray lastParts = null;
        for (Message message : request.messages()) {
            String role = message.role() == Message.Role.ASSISTANT ? "model" : "user";
            JsonArray parts = parts(message, callNames, signCalls);
            if (parts.isEmpty()) {
                continue;
            }
            if (role.equals(lastRole)) {
                parts.forEach(lastParts::add);
                continue;
            }
            lastRole = role;
            lastParts = parts;
            contents.add(new JsonObject().put("role", role).put("parts", parts));
        }
        return contents;
    }

    private static JsonArray parts(Message message, Map<String, String> callNames, boolean signCalls) {
        JsonArray parts = new JsonArray();
        boolean signed = false;
        for (Part part : message.parts()) {
            if (part instanceof Part.Text text && text.text() != null && !text.text().isEmpty()) {
                parts.add(new JsonObject().put("text", text.text()));
            } else if (part instanceof Part.Image image && message.role() == Message.Role.USER) {
                parts.add(image.data() != null
                        ? new JsonObject().put("inlineData",
                                new JsonObject().put("mimeType", image.mimeType()).put("data", image.data()))
                        : new JsonObject().put("fileData", fileData(image)));
            } else if (part instanceof Part.ToolCall call && message.role() == Message.Role.ASSISTANT) {
                callNames.put(call.id(), call.name());
                JsonObject functionCall = new JsonObject().put("name", call.name())
                        .put("args", call.arguments() == null ? new JsonObject() : call.arguments());
                putRealId(functionCall, call.id());
                JsonObject wire = new JsonObject().put("functionCall", functionCall);
                // Gemini signs only the first call of a turn; parallel calls after it carry none.
                if (signCalls && !signed) {
                    wire.put("thoughtSignature", SIGNATURE_PLACEHOLDER);
                    signed = true;
                }
                parts.add(wire);
            } else if (part instanceof Part.ToolResult result) {
                String name = result.name() != null ? result.name() : callNames.get(result.callId());
                JsonObject functionResponse = new JsonObject().put("name", name)
                        .put("response", new JsonObject().put(result.isError() ? "error" : "output", resultValue(result)));
                putRealId(functionResponse, result.callId());
                parts.add(new JsonObject().put("functionResponse", functionResponse));
            }
            // Thoughts are not replayed: Gemini ignores unsigned thought text.
        }
        return parts;
    }

    private static JsonObject fileData(Part.Image image) {
        JsonObject fileData = new JsonObject().put("fileUri", image.uri());
        if (image.mimeType() != null) {
            fileData.put("mimeType", image.mimeType());
        }
        return fileData;
    }

    /** Results that are JSON are passed as JSON, so the model sees structure rather than an escaped string. */
    private static Object resultValue(Part.ToolResult result) {
        String text = result.result() == null ? "" : result.result();
        try {
            Object value = Json.decodeValue(text);
            return value == null ? text : value;
        } catch (DecodeException notJson) {
            return text;
        }
    }

    private static void putRealId(JsonObject target, String id) {
        if (id != null && !id.startsWith(SYNTHETIC_CALL_ID_PREFIX)) {
            target.put("id", id);
        }
    }

    static ModelResponse response(JsonObject body) {
        ResponseAssembler reply = new ResponseAssembler();
        readParts(body, reply, null);
        return reply.build(usage(body.getJsonObject("usageMetadata")), finishReason(body));
    }

    /** Adds one response's (or stream chunk's) parts to {@code reply}; emits deltas when {@code sink} is set. */
    static void readParts(JsonObject body, ResponseAssembler reply, Consumer<ModelEvent> sink) {
        JsonObject candidate = firstCandidate(body);
        if (candidate == null) {
            return;
        }
        JsonObject content = candidate.getJsonObject("content", new JsonObject());
        for (Object item : content.getJsonArray("parts", new JsonArray())) {
            if (!(item instanceof JsonObject part)) {
                continue;
            }
            if (part.getJsonObject("functionCall") != null) {
                JsonObject call = part.getJsonObject("functionCall");
                String id = call.getString("id");
                reply.toolCall(id != null ? id : SYNTHETIC_CALL_ID_PREFIX + UUID.randomUUID(), call.getString("name"),
                        call.getValue("args") instanceof JsonObject args ? args : new JsonObject());
            } else if (part.getValue("text") instanceof String text && !text.isEmpty()) {
                if (part.getBoolean("thought", false)) {
                    reply.thought(text);
                    if (sink != null) {
                        sink.accept(new ModelEvent.ThoughtDelta(text));
                    }
                } else {
                    reply.text(text);
                    if (sink != null) {
                        sink.accept(new ModelEvent.TextDelta(text));
                    }
                }
            }
        }
    }

    /** Thoughts are reported apart from candidates; tool-use prompt tokens are input the model read. */
    static Usage usage(JsonObject metadata) {
        if (metadata == null) {
            return Usage.NONE;
        }
        return new Usage(number(metadata, "promptTokenCount") + number(metadata, "toolUsePromptTokenCount"),
                number(metadata, "candidatesTokenCount"), number(metadata, "thoughtsTokenCount"));
    }

    /** Null when this response (or chunk) does not say why generation ended. */
    static String finishReason(JsonObject body) {
        JsonObject candidate = firstCandidate(body);
        if (candidate == null) {
            JsonObject feedback = body.getJsonObject("promptFeedback");
            // No candidate at all with a block reason: the prompt itself was refused.
            return feedback != null && feedback.getString("blockReason") != null ? "content_filter" : null;
        }
        String reason = candidate.getString("finishReason");
        if (reason == null || "FINISH_REASON_UNSPECIFIED".equals(reason)) {
            return null;
        }
        return switch (reason) {
            case "STOP" -> "stop";
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> "content_filter";
            default -> reason.toLowerCase(Locale.ROOT);
        };
    }

    private static JsonObject firstCandidate(JsonObject body) {
        JsonArray candidates = body.getJsonArray("candidates");
        return candidates == null || candidates.isEmpty() ? null : candidates.getJsonObject(0);
    }

    private static long number(JsonObject object, String key) {
        return object.getValue(key) instanceof Number n ? n.longValue() : 0L;
    }

    private static void putIfPresent(JsonObject body, String key, Object value) {
        if (value != null) {
            body.put(key, value);
        }
    }

    /**
     * Assembles a streamed reply: every chunk is a partial GenerateContentResponse. Text arrives in pieces,
     * function calls whole; usage and the finish reason come with the last chunk.
     */
    static final class StreamDecoder implements ModelHttpClient.StreamDecoder {
        private final String provider;
        private final ResponseAssembler reply = new ResponseAssembler();
        private Usage usage = Usage.NONE;
        private String finishReason;

        StreamDecoder(String provider) {
            this.provider = provider;
        }

        @Override
        public boolean accept(SseParser.Event event, Consumer<ModelEvent> sink) {
            JsonObject chunk = new JsonObject(event.data());
            if (chunk.getJsonObject("error") != null) {
                JsonObject error = chunk.getJsonObject("error");
                int status = error.getValue("code") instanceof Number code ? code.intValue() : 500;
                throw new ModelProviderException(provider, status,
                        provider + " failed mid-stream: " + error.getString("message", "stream failed"));
            }
            readParts(chunk, reply, sink);
            if (chunk.getJsonObject("usageMetadata") != null) {
                usage = usage(chunk.getJsonObject("usageMetadata"));
            }
            String reason = finishReason(chunk);
            if (reason != null) {
                finishReason = reason;
            }
            return false;
        }

        @Override
        public ModelResponse finish() {
            return reply.build(usage, finishReason);
        }
    }
}
