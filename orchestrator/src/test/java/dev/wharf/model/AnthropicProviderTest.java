package dev.wharf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Anthropic Messages client against a real HTTP server speaking the protocol. */
class AnthropicProviderTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String KEY = "sk-ant-secret-42";
    private static final JsonObject SCHEMA = new JsonObject().put("type", "object")
            .put("properties", new JsonObject().put("path", new JsonObject().put("type", "string")));
    private static final ToolSpec READ_FILE = new ToolSpec("read_file", "Reads a file", SCHEMA);

    private static Vertx vertx;
    private ScriptedAnthropicServer server;
    private AnthropicProvider provider;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void start() {
        server = new ScriptedAnthropicServer();
        provider = new AnthropicProvider(vertx, TestEndpoints.anthropic(server.baseUrl(), KEY));
    }

    @AfterEach
    void stop() {
        provider.close();
        server.close();
    }

    private static ModelRequest request(List<Message> messages) {
        return new ModelRequest("claude-test", "Be precise.", messages, List.of(READ_FILE), GenerationConfig.defaults(), null);
    }

    @Test
    void textAndThinkingReplyWithHeadersAndRequestShape() {
        server.enqueue(ScriptedReply.text("Done.").withThought("Consider the file.").withUsage(50, 8, 0));
        ModelRequest request = new ModelRequest("claude-test", "Be precise.", List.of(Message.user("Go")), List.of(),
                new GenerationConfig(0.5, 0.8, null, List.of("STOP"), 7L), null);

        ModelResponse response = provider.generate(request).await().atMost(WAIT);

        assertEquals(List.of(new Part.Thought("Consider the file."), new Part.Text("Done.")), response.parts());
        assertEquals("stop", response.finishReason());
        assertEquals(new Usage(50, 8, 0), response.usage());
        ScriptedModelServer.RecordedRequest recorded = server.recorded().get(0);
        assertEquals("/v1/messages", recorded.path());
        assertEquals(KEY, recorded.header("x-api-key"));
        assertEquals("2023-06-01", recorded.header("anthropic-version"));
        JsonObject sent = recorded.body();
        assertEquals("claude-test", sent.getString("model"));
        assertEquals("Be precise.", sent.getString("system"));
        assertEquals(1024, sent.getInteger("max_tokens"), "the configured default, the API requires one");
        assertEquals(0.5, sent.getDouble("temperature"));
        assertEquals(0.8, sent.getDouble("top_p"));
        assertEquals(new JsonArray().add("STOP"), sent.getJsonArray("stop_sequences"));
        assertFalse(sent.containsKey("seed"), "the Messages API has no seed");
        assertEquals(new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "Go")))), sent.getJsonArray("messages"));
    }

    @Test
    void toolRoundTripSendsToolUseAndToolResultBlocks() {
        server.replyToolCall("read_file", "{\"path\":\"/etc/hosts\"}").reply("It lists localhost.");

        ModelResponse first = provider.generate(request(List.of(Message.user("Read /etc/hosts")))).await().atMost(WAIT);
        assertEquals("tool_calls", first.finishReason());
        Part.ToolCall call = assertInstanceOf(Part.ToolCall.class, first.parts().get(0));
        assertEquals(new JsonObject().put("path", "/etc/hosts"), call.arguments());
        assertTrue(call.id().startsWith("toolu_"));
        assertEquals(new JsonArray().add(new JsonObject().put("name", "read_file").put("input_schema", SCHEMA)
                .put("description", "Reads a file")), server.lastRequest().getJsonArray("tools"));

        List<Message> history = List.of(Message.user("Read /etc/hosts"),
                new Message(Message.Role.ASSISTANT, first.parts()),
                new Message(Message.Role.TOOL, List.of(new Part.ToolResult(call.id(), "read_file", "permission denied", true))),
                Message.user("Summarise."));
        ModelResponse second = provider.generate(request(history)).await().atMost(WAIT);

        assertEquals(List.of(new Part.Text("It lists localhost.")), second.parts());
        JsonArray messages = server.lastRequest().getJsonArray("messages");
        assertEquals(3, messages.size(), "the tool result and the next user text share one user turn");
        assertEquals(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(new JsonObject()
                .put("type", "tool_use").put("id", call.id()).put("name", "read_file")
                .put("input", new JsonObject().put("path", "/etc/hosts")))), messages.getJsonObject(1));
        assertEquals(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "tool_result").put("tool_use_id", call.id())
                        .put("content", "permission denied").put("is_error", true))
                .add(new JsonObject().put("type", "text").put("text", "Summarise."))), messages.getJsonObject(2));
    }

    @Test
    void streamingEmitsDeltasThenOneCompletedWithAssembledToolInput() {
        server.enqueue(ScriptedReply.toolCall("read_file", "{\"path\":\"/var/log/syslog\"}")
                .withText("Reading it now.").withThought("Need the log.").withUsage(40, 12, 0));

        List<ModelEvent> events = provider.stream(request(List.of(Message.user("Check the log")))).collect().asList()
                .await().atMost(WAIT);

        List<String> kinds = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        StringBuilder thought = new StringBuilder();
        for (ModelEvent event : events) {
            if (event instanceof ModelEvent.TextDelta delta) {
                kinds.add("text");
                text.append(delta.text());
            } else if (event instanceof ModelEvent.ThoughtDelta delta) {
                kinds.add("thought");
                thought.append(delta.text());
            } else {
                kinds.add("completed");
            }
        }
        assertEquals("completed", kinds.get(kinds.size() - 1));
        assertEquals(1, kinds.stream().filter("completed"::equals).count());
        assertTrue(kinds.indexOf("text") > kinds.lastIndexOf("thought"), "thinking streams before the text: " + kinds);
        assertEquals("Reading it now.", text.toString());
        assertEquals("Need the log.", thought.toString());
        ModelResponse response = ((ModelEvent.Completed) events.get(events.size() - 1)).response();
        assertEquals(3, response.parts().size());
        Part.ToolCall call = assertInstanceOf(Part.ToolCall.class, response.parts().get(2));
        assertEquals(new JsonObject().put("path", "/var/log/syslog"), call.arguments());
        assertEquals("tool_calls", response.finishReason());
        assertEquals(new Usage(40, 12, 0), response.usage(), "input from message_start, output from message_delta");
        assertTrue(server.lastRequest().getBoolean("stream"));
    }

    @Test
    void cacheTokensCountAsInput() {
        Usage usage = AnthropicMessagesCodec.usage(new JsonObject().put("input_tokens", 5)
                .put("cache_read_input_tokens", 100).put("cache_creation_input_tokens", 20).put("output_tokens", 9), Usage.NONE);
        assertEquals(new Usage(125, 9, 0), usage);
    }

    @Test
    void responseFormatBecomesASystemInstruction() {
        server.reply("{\"ok\":true}");
        provider.generate(new ModelRequest("claude-test", "Be precise.", List.of(Message.user("Status?")), List.of(),
                null, new JsonObject().put("type", "object"))).await().atMost(WAIT);
        String system = server.lastRequest().getString("system");
        assertTrue(system.startsWith("Be precise.\n\n"), system);
        assertTrue(system.contains("{\"type\":\"object\"}"), system);
    }

    @Test
    void errorsCarryAnthropicsMessageWithoutTheKey() {
        server.fail(401, "invalid x-api-key " + KEY);
        ModelProviderException unauthorized = assertThrows(ModelProviderException.class,
                () -> provider.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT));
        assertEquals(401, unauthorized.httpStatus());
        assertTrue(unauthorized.getMessage().contains("invalid x-api-key"), unauthorized.getMessage());
        assertFalse(unauthorized.getMessage().contains(KEY), unauthorized.getMessage());

        server.fail(529, "Overloaded");
        ModelProviderException overloaded = assertThrows(ModelProviderException.class,
                () -> provider.stream(request(List.of(Message.user("Hi")))).collect().asList().await().atMost(WAIT));
        assertEquals(529, overloaded.httpStatus());
        assertTrue(overloaded.getMessage().contains("Overloaded"), overloaded.getMessage());
    }

    @Test
    void missingKeyFailsBeforeCallingAndNamesTheVariable() {
        AnthropicProvider unconfigured = new AnthropicProvider(vertx, TestEndpoints.anthropic(server.baseUrl(), null));
        try {
            ModelProviderException error = assertThrows(ModelProviderException.class,
                    () -> unconfigured.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT));
            assertTrue(error.getMessage().contains("ANTHROPIC_API_KEY"), error.getMessage());
            assertEquals(0, server.requestCount());
        } finally {
            unconfigured.close();
        }
    }
}
