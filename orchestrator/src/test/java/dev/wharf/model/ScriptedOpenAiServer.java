package dev.wharf.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted OpenAI Chat Completions server for tests anywhere in the project: {@code POST /v1/chat/completions}
 * (and {@code /chat/completions}), whole replies or, for {@code "stream": true}, SSE chunks shaped as OpenAI
 * sends them: a role chunk, content in small pieces, each tool call's id and name first and its arguments split
 * over several chunks, a finish chunk, a usage chunk (only when {@code stream_options.include_usage}), then
 * {@code data: [DONE]}. Thoughts are sent as {@code reasoning_content}, as vLLM and llama.cpp do.
 *
 * <pre>{@code
 * try (ScriptedOpenAiServer server = new ScriptedOpenAiServer()) {
 *     server.replyToolCall("get_weather", "{\"city\":\"Paris\"}").reply("Sunny in Paris.");
 *     // point wharf.models.openai.base-url at server.baseUrl(), run the agent, then
 *     JsonObject second = server.requests().get(1); // carries the tool result
 * }
 * }</pre>
 * Scripting, recording and lifecycle are described on {@link ScriptedModelServer}.
 */
public final class ScriptedOpenAiServer extends ScriptedModelServer<ScriptedOpenAiServer> {
    /** Characters of reply text per streamed chunk. */
    private static final int TEXT_CHUNK = 4;
    /** Chunks each tool call's arguments are spread over. */
    private static final int ARGUMENT_CHUNKS = 3;

    /** Starts the server on 127.0.0.1 and a free port. */
    public ScriptedOpenAiServer() {
        super();
    }

    /** {@code http://127.0.0.1:<port>/v1}: what wharf.models.openai.base-url should be. */
    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    @Override
    protected boolean accepts(String method, String path) {
        return "POST".equals(method) && (path.equals("/v1/chat/completions") || path.equals("/chat/completions"));
    }

    @Override
    protected boolean streaming(String path, String query, JsonObject request) {
        return request.getBoolean("stream", false);
    }

    @Override
    protected JsonObject replyBody(JsonObject request, ScriptedReply reply, Usage usage) {
        int id = nextId();
        JsonObject message = new JsonObject().put("role", "assistant");
        if (reply.text() != null) {
            message.put("content", reply.text());
        } else {
            message.putNull("content");
        }
        if (reply.thought() != null) {
            message.put("reasoning_content", reply.thought());
        }
        if (!reply.toolCalls().isEmpty()) {
            JsonArray calls = new JsonArray();
            for (ScriptedReply.ToolCall call : reply.toolCalls()) {
                calls.add(new JsonObject().put("id", callId(call)).put("type", "function").put("function",
                        new JsonObject().put("name", call.name()).put("arguments", call.arguments())));
            }
            message.put("tool_calls", calls);
        }
        return envelope(id, "chat.completion", request)
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
                        .putNull("logprobs").put("finish_reason", finishReason(reply))))
                .put("usage", usage(usage));
    }

    @Override
    protected List<String> streamFrames(JsonObject request, ScriptedReply reply, Usage usage) {
        int id = nextId();
        JsonObject streamOptions = request.getJsonObject("stream_options");
        boolean includeUsage = streamOptions != null && streamOptions.getBoolean("include_usage", false);
        List<String> frames = new ArrayList<>();
        frames.add(chunk(id, request, new JsonObject().put("role", "assistant").put("content", ""), null, includeUsage));
        if (reply.thought() != null) {
            for (String piece : pieces(reply.thought(), TEXT_CHUNK)) {
                frames.add(chunk(id, request, new JsonObject().put("reasoning_content", piece), null, includeUsage));
            }
        }
        if (reply.text() != null) {
            for (String piece : pieces(reply.text(), TEXT_CHUNK)) {
                frames.add(chunk(id, request, new JsonObject().put("content", piece), null, includeUsage));
            }
        }
        for (int index = 0; index < reply.toolCalls().size(); index++) {
            ScriptedReply.ToolCall call = reply.toolCalls().get(index);
            frames.add(chunk(id, request, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
                    .put("index", index).put("id", callId(call)).put("type", "function")
                    .put("function", new JsonObject().put("name", call.name()).put("arguments", "")))),
                    null, includeUsage));
            for (String fragment : split(call.arguments(), ARGUMENT_CHUNKS)) {
                frames.add(chunk(id, request, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
                        .put("index", index).put("function", new JsonObject().put("arguments", fragment)))),
                        null, includeUsage));
            }
        }
        frames.add(chunk(id, request, new JsonObject(), finishReason(reply), includeUsage));
        if (includeUsage) {
            frames.add(data(envelope(id, "chat.completion.chunk", request).put("choices", new JsonArray())
                    .put("usage", usage(usage))));
        }
        frames.add("data: [DONE]\n\n");
        return frames;
    }

    @Override
    protected JsonObject errorBody(int status, String message) {
        String type = status == 401 ? "invalid_request_error" : status == 429 ? "rate_limit_exceeded" : "server_error";
        return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
                .putNull("param").putNull("code"));
    }

    private String chunk(int id, JsonObject request, JsonObject delta, String finishReason, boolean includeUsage) {
        JsonObject choice = new JsonObject().put("index", 0).put("delta", delta).putNull("logprobs");
        if (finishReason != null) {
            choice.put("finish_reason", finishReason);
        } else {
            choice.putNull("finish_reason");
        }
        JsonObject chunk = envelope(id, "chat.completion.chunk", request).put("choices", new JsonArray().add(choice));
        if (includeUsage) {
            chunk.putNull("usage"); // OpenAI sends "usage": null on every chunk before the last
        }
        return data(chunk);
    }

    private static String data(JsonObject json) {
        return "data: " + json.encode() + "\n\n";
    }

    private JsonObject envelope(int id, String object, JsonObject request) {
        return new JsonObject().put("id", "chatcmpl-" + id).put("object", object)
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", request.getString("model", "scripted"))
                .put("system_fingerprint", "fp_scripted");
    }

    private String callId(ScriptedReply.ToolCall call) {
        return call.id() != null ? call.id() : "call_" + nextId();
    }

    private static String finishReason(ScriptedReply reply) {
        if (reply.finishReason() != null) {
            return reply.finishReason();
        }
        return reply.toolCalls().isEmpty() ? "stop" : "tool_calls";
    }

    /** completion_tokens includes reasoning tokens, as OpenAI counts them. */
    private static JsonObject usage(Usage usage) {
        long completion = usage.outputTokens() + usage.thoughtTokens();
        return new JsonObject().put("prompt_tokens", usage.inputTokens()).put("completion_tokens", completion)
                .put("total_tokens", usage.inputTokens() + completion)
                .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", usage.thoughtTokens()));
    }
}
