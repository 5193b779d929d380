package dev.wharf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI Chat Completions client against a real HTTP server speaking the protocol. */
class OpenAiChatProviderTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final JsonObject WEATHER_SCHEMA = new JsonObject().put("type", "object")
            .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string")))
            .put("required", new JsonArray().add("city"));
    private static final ToolSpec WEATHER = new ToolSpec("get_weather", "Current weather for a city", WEATHER_SCHEMA);

    private static Vertx vertx;
    private ScriptedOpenAiServer server;
    private OpenAiChatProvider provider;

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
        server = new ScriptedOpenAiServer();
        provider = new OpenAiChatProvider(vertx, TestEndpoints.openAi(server.baseUrl(), null));
    }

    @AfterEach
    void stop() {
        provider.close();
        server.close();
    }

    private static ModelRequest request(List<Message> messages) {
        return new ModelRequest("gpt-test", "You are terse.", messages, List.of(WEATHER), GenerationConfig.defaults(), null);
    }

    @Test
    void textReplyAndTheRequestItCameFrom() {
        server.reply("Hello there.");
        ModelRequest request = new ModelRequest("meta-llama/Llama-3-8B", "You are terse.", List.of(Message.user("Hi")),
                List.of(), new GenerationConfig(0.2, 0.9, 256, List.of("END"), 42L),
                new JsonObject().put("type", "object").put("title", "Greeting"));

        ModelResponse response = provider.generate(request).await().atMost(WAIT);

        assertEquals(List.of(new Part.Text("Hello there.")), response.parts());
        assertEquals("stop", response.finishReason());
        JsonObject sent = server.lastRequest();
        assertEquals("meta-llama/Llama-3-8B", sent.getString("model"));
        assertEquals(new JsonArray()
                .add(new JsonObject().put("role", "system").put("content", "You are terse."))
                .add(new JsonObject().put("role", "user").put("content", "Hi")), sent.getJsonArray("messages"));
        assertEquals(0.2, sent.getDouble("temperature"));
        assertEquals(0.9, sent.getDouble("top_p"));
        assertEquals(256, sent.getInteger("max_tokens"), "local servers get the field they all understand");
        assertEquals(new JsonArray().add("END"), sent.getJsonArray("stop"));
        assertEquals(42L, sent.getLong("seed"));
        assertEquals(new JsonObject().put("type", "json_schema").put("json_schema", new JsonObject()
                        .put("name", "Greeting").put("schema", new JsonObject().put("type", "object").put("title", "Greeting"))),
                sent.getJsonObject("response_format"));
        assertFalse(sent.containsKey("tools"));
        assertFalse(sent.containsKey("stream"));
        assertNull(server.recorded().get(0).header("Authorization"), "no key configured, none sent");
        assertEquals("/v1/chat/completions", server.recorded().get(0).path());
    }

    @Test
    void aConfiguredKeyIsSentAsBearerToken() {
        server.reply("ok");
        OpenAiChatProvider keyed = new OpenAiChatProvider(vertx, TestEndpoints.openAi(server.baseUrl() + "/", "sk-local"));
        try {
            keyed.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT);
        } finally {
            keyed.close();
        }
        assertEquals("Bearer sk-local", server.recorded().get(0).header("Authorization"));
    }

    @Test
    void toolCallRoundTripCarriesToolsCallsAndResultsInOpenAiShape() {
        server.replyToolCall("get_weather", "{\"city\":\"Paris\"}").reply("Sunny in Paris.");

        ModelResponse first = provider.generate(request(List.of(Message.user("Weather in Paris?")))).await().atMost(WAIT);

        assertEquals("tool_calls", first.finishReason());
        Part.ToolCall call = assertInstanceOf(Part.ToolCall.class, first.parts().get(0));
        assertEquals("get_weather", call.name());
        assertEquals(new JsonObject().put("city", "Paris"), call.arguments());
        assertEquals(new JsonArray().add(new JsonObject().put("type", "function").put("function", new JsonObject()
                        .put("name", "get_weather").put("parameters", WEATHER_SCHEMA)
                        .put("description", "Current weather for a city"))),
                server.lastRequest().getJsonArray("tools"));

        List<Message> history = List.of(Message.user("Weather in Paris?"),
                new Message(Message.Role.ASSISTANT, first.parts()),
                new Message(Message.Role.TOOL, List.of(new Part.ToolResult(call.id(), "get_weather", "{\"sky\":\"clear\"}", false))));
        ModelResponse second = provider.generate(request(history)).await().atMost(WAIT);

        assertEquals(List.of(new Part.Text("Sunny in Paris.")), second.parts());
        JsonArray messages = server.lastRequest().getJsonArray("messages");
        assertEquals(4, messages.size());
        JsonObject assistant = messages.getJsonObject(2);
        assertEquals("assistant", assistant.getString("role"));
        assertNull(assistant.getValue("content"));
        JsonObject sentCall = assistant.getJsonArray("tool_calls").getJsonObject(0);
        assertEquals(call.id(), sentCall.getString("id"));
        assertEquals("function", sentCall.getString("type"));
        assertEquals("get_weather", sentCall.getJsonObject("function").getString("name"));
        assertEquals(new JsonObject().put("city", "Paris"),
                new JsonObject(sentCall.getJsonObject("function").getString("arguments")), "arguments travel as JSON text");
        assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", call.id()).put("content", "{\"sky\":\"clear\"}"),
                messages.getJsonObject(3));
    }

    @Test
    void aResponderScriptsConversationDependentReplies() {
        server.respondWith(body -> {
            JsonArray messages = body.getJsonArray("messages");
            JsonObject last = messages.getJsonObject(messages.size() - 1);
            return "tool".equals(last.getString("role"))
                    ? ScriptedReply.text("Result was " + last.getString("content"))
                    : ScriptedReply.toolCall("get_weather", "{\"city\":\"Oslo\"}");
        });
        ModelResponse first = provider.generate(request(List.of(Message.user("Oslo?")))).await().atMost(WAIT);
        Part.ToolCall call = (Part.ToolCall) first.parts().get(0);
        ModelResponse second = provider.generate(request(List.of(Message.user("Oslo?"),
                new Message(Message.Role.ASSISTANT, first.parts()),
                new Message(Message.Role.TOOL, List.of(new Part.ToolResult(call.id(), "get_weather", "boom", true))))))
                .await().atMost(WAIT);
        assertEquals(List.of(new Part.Text("Result was Error: boom")), second.parts(),
                "a failed tool is marked in words, the protocol has no flag");
    }

    @Test
    void streamingEmitsDeltasInOrderThenOneCompletedWithTheAssembledReply() {
        server.enqueue(ScriptedReply.text("Hello, streaming world!").withThought("Greet them.").withUsage(30, 6, 4));

        List<ModelEvent> events = provider.stream(request(List.of(Message.user("Hi")))).collect().asList()
                .await().atMost(WAIT);

        StringBuilder thought = new StringBuilder();
        StringBuilder text = new StringBuilder();
        int textDeltas = 0;
        for (ModelEvent event : events.subList(0, events.size() - 1)) {
            if (event instanceof ModelEvent.ThoughtDelta delta) {
                assertEquals(0, text.length(), "the scripted thought comes before the text");
                thought.append(delta.text());
            } else if (event instanceof ModelEvent.TextDelta delta) {
                text.append(delta.text());
                textDeltas++;
            } else {
                throw new AssertionError("only deltas before the end: " + event);
            }
        }
        assertEquals("Greet them.", thought.toString());
        assertEquals("Hello, streaming world!", text.toString());
        assertTrue(textDeltas > 1, "text arrives in pieces");
        ModelResponse response = assertInstanceOf(ModelEvent.Completed.class, events.get(events.size() - 1)).response();
        assertEquals(List.of(new Part.Thought("Greet them."), new Part.Text("Hello, streaming world!")), response.parts());
        assertEquals(new Usage(30, 6, 4), response.usage());
        assertEquals("stop", response.finishReason());
        JsonObject sent = server.lastRequest();
        assertTrue(sent.getBoolean("stream"));
        assertEquals(new JsonObject().put("include_usage", true), sent.getJsonObject("stream_options"));
    }

    @Test
    void streamingAssemblesToolCallArgumentsSplitAcrossChunks() {
        server.replyToolCalls(ScriptedReply.call("get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                ScriptedReply.call("get_weather", "{\"city\":\"Rome\"}"));

        List<ModelEvent> events = provider.stream(request(List.of(Message.user("Paris and Rome?")))).collect().asList()
                .await().atMost(WAIT);

        assertEquals(1, events.size(), "no text, so only the completion");
        ModelResponse response = ((ModelEvent.Completed) events.get(0)).response();
        assertEquals("tool_calls", response.finishReason());
        assertEquals(2, response.parts().size());
        Part.ToolCall paris = (Part.ToolCall) response.parts().get(0);
        Part.ToolCall rome = (Part.ToolCall) response.parts().get(1);
        assertEquals(new JsonObject().put("city", "Paris").put("unit", "celsius"), paris.arguments());
        assertEquals(new JsonObject().put("city", "Rome"), rome.arguments());
        assertTrue(paris.id().startsWith("call_") && !paris.id().equals(rome.id()));
    }

    @Test
    void usageCountsReasoningApartFromVisibleOutput() {
        server.usage(100, 20, 7).reply("a");
        Usage usage = provider.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT).usage();
        // The wire says completion_tokens 27 of which reasoning 7.
        assertEquals(new Usage(100, 20, 7), usage);
        assertEquals(127, usage.total());
    }

    @Test
    void invalidToolArgumentsAreKeptRaw() {
        server.replyToolCall("get_weather", "{\"city\": Paris");
        ModelResponse response = provider.generate(request(List.of(Message.user("Paris?")))).await().atMost(WAIT);
        assertEquals(new JsonObject().put("_raw", "{\"city\": Paris"), ((Part.ToolCall) response.parts().get(0)).arguments());
    }

    @Test
    void providerErrorsKeepStatusAndMessageButNeverTheKey() {
        OpenAiChatProvider keyed = new OpenAiChatProvider(vertx, TestEndpoints.openAi(server.baseUrl(), "sk-secret-123"));
        try {
            server.fail(500, "The server had an error while processing your request.");
            ModelProviderException serverError = assertThrows(ModelProviderException.class,
                    () -> keyed.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT));
            assertEquals(500, serverError.httpStatus());
            assertEquals("openai", serverError.provider());
            assertTrue(serverError.getMessage().contains("The server had an error while processing your request."),
                    serverError.getMessage());

            server.fail(401, "Incorrect API key provided: sk-secret-123.");
            ModelProviderException unauthorized = assertThrows(ModelProviderException.class,
                    () -> keyed.stream(request(List.of(Message.user("Hi")))).collect().asList().await().atMost(WAIT));
            assertEquals(401, unauthorized.httpStatus());
            assertTrue(unauthorized.getMessage().contains("Incorrect API key provided"), unauthorized.getMessage());
            assertFalse(unauthorized.getMessage().contains("sk-secret-123"), unauthorized.getMessage());
        } finally {
            keyed.close();
        }
    }

    @Test
    void unreachableServerIsStatusZero() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        OpenAiChatProvider nowhere = new OpenAiChatProvider(vertx, TestEndpoints.openAi("http://127.0.0.1:" + closedPort + "/v1", null));
        try {
            ModelProviderException error = assertThrows(ModelProviderException.class,
                    () -> nowhere.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT));
            assertEquals(0, error.httpStatus());
            assertTrue(error.getMessage().contains("unreachable at http://127.0.0.1:" + closedPort), error.getMessage());

            ModelProviderException streamError = assertThrows(ModelProviderException.class,
                    () -> nowhere.stream(request(List.of(Message.user("Hi")))).collect().asList().await().atMost(WAIT));
            assertEquals(0, streamError.httpStatus());
        } finally {
            nowhere.close();
        }
    }

    @Test
    void aSilentServerTimesOutAsStatusZero() {
        server.delay(3_000).reply("too late");
        OpenAiChatProvider impatient = new OpenAiChatProvider(vertx,
                TestEndpoints.openAi(server.baseUrl(), null, Duration.ofMillis(300)));
        try {
            ModelProviderException error = assertThrows(ModelProviderException.class,
                    () -> impatient.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT));
            assertEquals(0, error.httpStatus());
            assertTrue(error.getMessage().contains("did not answer"), error.getMessage());
        } finally {
            impatient.close();
        }
    }

    @Test
    void aStreamThatFallsSilentTimesOutAsStatusZero() {
        server.chunkDelay(2_000).reply("slow stream");
        OpenAiChatProvider impatient = new OpenAiChatProvider(vertx,
                TestEndpoints.openAi(server.baseUrl(), null, Duration.ofMillis(300)));
        try {
            ModelProviderException error = assertThrows(ModelProviderException.class,
                    () -> impatient.stream(request(List.of(Message.user("Hi")))).collect().asList().await().atMost(WAIT));
            assertEquals(0, error.httpStatus());
            assertTrue(error.getMessage().contains("did not answer"), error.getMessage());
        } finally {
            impatient.close();
        }
    }

    @Test
    void cancellingAStreamStopsItWithoutACompletion() throws Exception {
        server.chunkDelay(200).reply("a long answer that keeps coming");
        List<ModelEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> firstDelta = new CompletableFuture<>();
        var subscription = provider.stream(request(List.of(Message.user("Hi")))).subscribe().with(event -> {
            seen.add(event);
            firstDelta.complete(null);
        });
        firstDelta.get(10, TimeUnit.SECONDS);
        subscription.cancel();
        Thread.sleep(1_000);
        assertTrue(seen.stream().noneMatch(ModelEvent.Completed.class::isInstance), seen.toString());
        assertTrue(seen.size() < 5, "the stream stopped: " + seen);
    }

    @Test
    void theRealOpenAiNeedsAKeyAndSaysWhichVariableToSet() {
        OpenAiChatProvider unconfigured = new OpenAiChatProvider(vertx, TestEndpoints.openAi("https://api.openai.com/v1", null));
        try {
            ModelProviderException error = assertThrows(ModelProviderException.class,
                    () -> unconfigured.generate(request(List.of(Message.user("Hi")))).await().atMost(WAIT));
            assertTrue(error.getMessage().contains("OPENAI_API_KEY"), error.getMessage());
            ModelProviderException streamError = assertThrows(ModelProviderException.class,
                    () -> unconfigured.stream(request(List.of(Message.user("Hi")))).collect().asList().await().atMost(WAIT));
            assertTrue(streamError.getMessage().contains("OPENAI_API_KEY"), streamError.getMessage());
        } finally {
            unconfigured.close();
        }
    }

    @Test
    void openAiItselfGetsMaxCompletionTokens() {
        ModelRequest request = new ModelRequest("o4-mini", null, List.of(Message.user("Hi")), List.of(),
                new GenerationConfig(null, null, 100, null, null), null);
        JsonObject body = OpenAiChatCodec.request(request, "max_completion_tokens", false);
        assertEquals(100, body.getInteger("max_completion_tokens"));
        assertFalse(body.containsKey("max_tokens"));
        assertFalse(body.containsKey("tools"));
        assertEquals(1, body.getJsonArray("messages").size(), "no system message when there is no instruction");
    }

    @Test
    void imagesTravelAsContentParts() {
        server.reply("A cat.");
        Message withImage = new Message(Message.Role.USER, List.of(new Part.Text("What is this?"),
                new Part.Image("image/png", "iVBORw0KGgo=", null), new Part.Image(null, null, "https://example.com/cat.jpg")));
        provider.generate(request(List.of(withImage))).await().atMost(WAIT);
        JsonArray content = server.lastRequest().getJsonArray("messages").getJsonObject(1).getJsonArray("content");
        assertEquals(new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "What is this?"))
                .add(new JsonObject().put("type", "image_url").put("image_url",
                        new JsonObject().put("url", "data:image/png;base64,iVBORw0KGgo=")))
                .add(new JsonObject().put("type", "image_url").put("image_url",
                        new JsonObject().put("url", "https://example.com/cat.jpg"))), content);
    }

    @Test
    void resultsArriveOnTheCallersVertxContext() throws Exception {
        server.reply("one").reply("two");
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Context> generated = new CompletableFuture<>();
        CompletableFuture<Context> streamed = new CompletableFuture<>();
        context.runOnContext(ignored -> provider.generate(request(List.of(Message.user("Hi")))).subscribe().with(
                response -> generated.complete(Vertx.currentContext()), generated::completeExceptionally));
        assertSame(context, generated.get(10, TimeUnit.SECONDS));
        context.runOnContext(ignored -> provider.stream(request(List.of(Message.user("Hi")))).subscribe().with(
                event -> {
                    if (event instanceof ModelEvent.Completed) {
                        streamed.complete(Vertx.currentContext());
                    }
                }, streamed::completeExceptionally));
        assertSame(context, streamed.get(10, TimeUnit.SECONDS));
    }
}
