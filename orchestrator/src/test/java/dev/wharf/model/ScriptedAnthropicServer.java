package dev.wharf.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted Anthropic Messages server: {@code POST /v1/messages}, whole or streamed ({@code "stream": true})
 * as the API streams: message_start, a ping, per content block content_block_start / deltas (thinking_delta,
 * text_delta, input_json_delta in several pieces) / content_block_stop, message_delta with the stop reason and
 * output usage, message_stop. Scripting and recording as on {@link ScriptedModelServer}.
 */
public final class ScriptedAnthropicServer extends ScriptedModelServer<ScriptedAnthropicServer> {
    private static final int TEXT_CHUNK = 4;
    private static final int ARGUMENT_CHUNKS = 3;

    public ScriptedAnthropicServer() {
        super();
    }

    /** {@code http://127.0.0.1:<port>}: what wharf.models.anthropic.base-url should be. */
    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    protected boolean accepts(String method, String path) {
        return "POST".equals(method) && path.equals("/v1/messages");
    }

    @Override
    protected boolean streaming(String path, String query, JsonObject request) {
        return request.getBoolean("stream", false);
    }

    @Override
    protected JsonObject replyBody(JsonObject request, ScriptedReply reply, Usage usage) {
        JsonArray content = new JsonArray();
        if (reply.thought() != null) {
            content.add(new JsonObject().put("type", "thinking").put("thinking", reply.thought())
                    .put("signature", "c2lnbmF0dXJl"));
        }
        if (reply.text() != null) {
            content.add(new JsonObject().put("type", "text").put("text", reply.text()));
        }
        for (ScriptedReply.ToolCall call : reply.toolCalls()) {
            content.add(new JsonObject().put("type", "tool_use").put("id", callId(call)).put("name", call.name())
                    .put("input", new JsonObject(call.arguments())));
        }
        return message(request).put("content", content).put("stop_reason", stopReason(reply))
                .put("usage", new JsonObject().put("input_tokens", usage.inputTokens())
                        .put("output_tokens", usage.outputTokens() + usage.thoughtTokens()));
    }

    @Override
    protected List<String> streamFrames(JsonObject request, ScriptedReply reply, Usage usage) {
        List<String> frames = new ArrayList<>();
        frames.add(event("message_start", new JsonObject().put("type", "message_start").put("message",
                message(request).put("content", new JsonArray()).putNull("stop_reason")
                        .put("usage", new JsonObject().put("input_tokens", usage.inputTokens()).put("output_tokens", 1)))));
        frames.add(event("ping", new JsonObject().put("type", "ping")));
        int index = 0;
        if (reply.thought() != null) {
            frames.add(blockStart(index, new JsonObject().put("type", "thinking").put("thinking", "")));
            for (String piece : pieces(reply.thought(), TEXT_CHUNK)) {
                frames.add(blockDelta(index, new JsonObject().put("type", "thinking_delta").put("thinking", piece)));
            }
            frames.add(blockDelta(index, new JsonObject().put("type", "signature_delta").put("signature", "c2ln")));
            frames.add(blockStop(index++));
        }
        if (reply.text() != null) {
            frames.add(blockStart(index, new JsonObject().put("type", "text").put("text", "")));
            for (String piece : pieces(reply.text(), TEXT_CHUNK)) {
                frames.add(blockDelta(index, new JsonObject().put("type", "text_delta").put("text", piece)));
            }
            frames.add(blockStop(index++));
        }
        for (ScriptedReply.ToolCall call : reply.toolCalls()) {
            frames.add(blockStart(index, new JsonObject().put("type", "tool_use").put("id", callId(call))
                    .put("name", call.name()).put("input", new JsonObject())));
            for (String fragment : split(call.arguments(), ARGUMENT_CHUNKS)) {
                frames.add(blockDelta(index, new JsonObject().put("type", "input_json_delta").put("partial_json", fragment)));
            }
            frames.add(blockStop(index++));
        }
        frames.add(event("message_delta", new JsonObject().put("type", "message_delta")
                .put("delta", new JsonObject().put("stop_reason", stopReason(reply)).putNull("stop_sequence"))
                .put("usage", new JsonObject().put("output_tokens", usage.outputTokens() + usage.thoughtTokens()))));
        frames.add(event("message_stop", new JsonObject().put("type", "message_stop")));
        return frames;
    }

    @Override
    protected JsonObject errorBody(int status, String message) {
        String type = switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
        return new JsonObject().put("type", "error")
                .put("error", new JsonObject().put("type", type).put("message", message));
    }

    private JsonObject message(JsonObject request) {
        return new JsonObject().put("id", "msg_" + nextId()).put("type", "message").put("role", "assistant")
                .put("model", request.getString("model", "scripted")).putNull("stop_sequence");
    }

    private static String blockStart(int index, JsonObject block) {
        return event("content_block_start", new JsonObject().put("type", "content_block_start").put("index", index)
                .put("content_block", block));
    }

    private static String blockDelta(int index, JsonObject delta) {
        return event("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", index)
                .put("delta", delta));
    }

    private static String blockStop(int index) {
        return event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", index));
    }

    private static String event(String name, JsonObject data) {
        return "event: " + name + "\ndata: " + data.encode() + "\n\n";
    }

    private String callId(ScriptedReply.ToolCall call) {
        return call.id() != null ? call.id() : "toolu_" + nextId();
    }

    private static String stopReason(ScriptedReply reply) {
        if (reply.finishReason() != null) {
            return reply.finishReason();
        }
        return reply.toolCalls().isEmpty() ? "end_turn" : "tool_use";
    }
}
