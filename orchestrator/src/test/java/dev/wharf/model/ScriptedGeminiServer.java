package dev.wharf.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted Gemini API server: {@code POST /v1beta/models/<model>:generateContent} and
 * {@code :streamGenerateContent?alt=sse}. Streams are partial GenerateContentResponses framed with
 * {@code \r\n} as Google frames them: thought and text pieces, function calls whole, the finish reason and
 * usageMetadata in the last chunk. Function calls carry no id unless the script gives one (as Gemini 2.x
 * answers). Scripting and recording as on {@link ScriptedModelServer}.
 */
public final class ScriptedGeminiServer extends ScriptedModelServer<ScriptedGeminiServer> {
    private static final int TEXT_CHUNK = 4;

    public ScriptedGeminiServer() {
        super();
    }

    /** {@code http://127.0.0.1:<port>}: what wharf.models.gemini.base-url should be. */
    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    protected boolean accepts(String method, String path) {
        return "POST".equals(method) && path.startsWith("/v1beta/models/")
                && (path.endsWith(":generateContent") || path.endsWith(":streamGenerateContent"));
    }

    @Override
    protected boolean streaming(String path, String query, JsonObject request) {
        return path.endsWith(":streamGenerateContent");
    }

    @Override
    protected JsonObject replyBody(JsonObject request, ScriptedReply reply, Usage usage) {
        JsonArray parts = new JsonArray();
        if (reply.thought() != null) {
            parts.add(new JsonObject().put("text", reply.thought()).put("thought", true));
        }
        if (reply.text() != null) {
            parts.add(new JsonObject().put("text", reply.text()));
        }
        functionCalls(reply).forEach(parts::add);
        return response(parts, finishReason(reply)).put("usageMetadata", usage(usage));
    }

    @Override
    protected List<String> streamFrames(JsonObject request, ScriptedReply reply, Usage usage) {
        List<String> frames = new ArrayList<>();
        if (reply.thought() != null) {
            for (String piece : pieces(reply.thought(), TEXT_CHUNK)) {
                frames.add(data(response(new JsonArray().add(new JsonObject().put("text", piece).put("thought", true)), null)));
            }
        }
        if (reply.text() != null) {
            for (String piece : pieces(reply.text(), TEXT_CHUNK)) {
                frames.add(data(response(new JsonArray().add(new JsonObject().put("text", piece)), null)));
            }
        }
        frames.add(data(response(functionCalls(reply), finishReason(reply)).put("usageMetadata", usage(usage))));
        return frames;
    }

    @Override
    protected JsonObject errorBody(int status, String message) {
        String code = switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401, 403 -> "PERMISSION_DENIED";
            case 429 -> "RESOURCE_EXHAUSTED";
            default -> "INTERNAL";
        };
        return new JsonObject().put("error", new JsonObject().put("code", status).put("message", message)
                .put("status", code));
    }

    private static JsonArray functionCalls(ScriptedReply reply) {
        JsonArray parts = new JsonArray();
        boolean first = true;
        for (ScriptedReply.ToolCall call : reply.toolCalls()) {
            JsonObject functionCall = new JsonObject().put("name", call.name()).put("args", new JsonObject(call.arguments()));
            if (call.id() != null) {
                functionCall.put("id", call.id());
            }
            JsonObject part = new JsonObject().put("functionCall", functionCall);
            if (first) {
                part.put("thoughtSignature", "c2lnbmF0dXJl");
                first = false;
            }
            parts.add(part);
        }
        return parts;
    }

    private static JsonObject response(JsonArray parts, String finishReason) {
        JsonObject candidate = new JsonObject().put("content", new JsonObject().put("role", "model").put("parts", parts))
                .put("index", 0);
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        return new JsonObject().put("candidates", new JsonArray().add(candidate)).put("modelVersion", "scripted");
    }

    private static String data(JsonObject json) {
        return "data: " + json.encode() + "\r\n\r\n";
    }

    /** Gemini says STOP after function calls too. */
    private static String finishReason(ScriptedReply reply) {
        return reply.finishReason() != null ? reply.finishReason() : "STOP";
    }

    private static JsonObject usage(Usage usage) {
        JsonObject metadata = new JsonObject().put("promptTokenCount", usage.inputTokens())
                .put("candidatesTokenCount", usage.outputTokens())
                .put("totalTokenCount", usage.total());
        if (usage.thoughtTokens() > 0) {
            metadata.put("thoughtsTokenCount", usage.thoughtTokens());
        }
        return metadata;
    }
}
