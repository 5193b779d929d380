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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Gemini API client against a real HTTP server speaking the protocol. */
class GeminiProviderTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String KEY = "AIza-secret-99";
    private static final JsonObject SCHEMA = new JsonObject().put("type", "object")
            .put("properties", new JsonObject().put("query", new JsonObject().put("type", "string")))
            .put("additionalProperties", false);
    private static final ToolSpec SEARCH = new ToolSpec("search", "Searches the web", SCHEMA);

    private static Vertx vertx;
    private ScriptedGeminiServer server;
    private GeminiProvider provider;

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
        server = new ScriptedGeminiServer();
        provider = new GeminiProvider(vertx, TestEndpoints.gemini(server.baseUrl(), KEY));
    }

    @AfterEach
    void stop() {
        provider.close();
        server.close();
    }

    private static ModelRequest request(String model, List<Message> messages) {
        return new ModelRequest(model, "Answer briefly.", messages, List.of(SEARCH), GenerationConfig.defaults(), null);
    }

    @Test
    void textReplyWithThoughtsUsageAndRequestShape() {
        server.enqueue(ScriptedReply.text("Forty-two.").withThought("Recall the answer.").withUsage(11, 3, 17));
        ModelRequest request = new ModelRequest("gemini-2.5-flash", "Answer briefly.", List.of(Message.user("Answer?")),
                List.of(), new GenerationConfig(0.1, 0.95, 64, List.of("\n\n"), 3L), new JsonObject().put("type", "string"));

        ModelResponse response = provider.generate(request).await().atMost(WAIT);

        assertEquals(List.of(new Part.Thought("Recall the answer."), new Part.Text("Forty-two.")), response.parts());
        assertEquals(new Usage(11, 3, 17), response.usage());
        assertEquals("stop", response.finishReason());
        ScriptedModelServer.RecordedRequest recorded = server.recorded().get(0);
        assertEquals("/v1beta/models/gemini-2.5-flash:generateContent", recorded.path(), "the key never goes in the URL");
        assertEquals(KEY, recorded.header("x-goog-api-key"));
        JsonObject sent = recorded.body();
        assertEquals(new JsonObject().put("parts", new JsonArray().add(new JsonObject().put("text", "Answer briefly."))),
                sent.getJsonObject("systemInstruction"));
        assertEquals(new JsonArray().add(new JsonObject().put("role", "user").put("parts",
                new JsonArray().add(new JsonObject().put("text", "Answer?")))), sent.getJsonArray("contents"));
        assertEquals(new JsonObject().put("temperature", 0.1).put("topP", 0.95).put("maxOutputTokens", 64).put("seed", 3L)
                        .put("stopSequences", new JsonArray().add("\n\n")).put("responseMimeType", "application/json")
                        .put("responseJsonSchema", new JsonObject().put("type", "string")),
                sent.getJsonObject("generationConfig"));
    }

    @Test
    void toolRoundTripUsesFunctionCallAndFunctionResponseParts() {
        server.replyToolCall("search", "{\"query\":\"wharf\"}").reply("Found it.");

        ModelResponse first = provider.generate(request("gemini-2.5-pro", List.of(Message.user("Look up wharf"))))
                .await().atMost(WAIT);

        assertEquals("tool_calls", first.finishReason(), "Gemini says STOP; the turn still ended in a call");
        Part.ToolCall call = assertInstanceOf(Part.ToolCall.class, first.parts().get(0));
        assertEquals(new JsonObject().put("query", "wharf"), call.arguments());
        assertTrue(call.id().startsWith(GeminiCodec.SYNTHETIC_CALL_ID_PREFIX), "Gemini gave no id; Wharf made one");
        assertEquals(new JsonArray().add(new JsonObject().put("functionDeclarations", new JsonArray().add(new JsonObject()
                        .put("name", "search").put("description", "Searches the web").put("parametersJsonSchema", SCHEMA)))),
                server.lastRequest().getJsonArray("tools"));

        List<Message> history = List.of(Message.user("Look up wharf"),
                new Message(Message.Role.ASSISTANT, first.parts()),
                new Message(Message.Role.TOOL, List.of(new Part.ToolResult(call.id(), null, "{\"hits\":3}", false))));
        ModelResponse second = provider.generate(request("gemini-2.5-pro", history)).await().atMost(WAIT);

        assertEquals(List.of(new Part.Text("Found it.")), second.parts());
        JsonArray contents = server.lastRequest().getJsonArray("contents");
        assertEquals(new JsonObject().put("role", "model").put("parts", new JsonArray().add(new JsonObject()
                        .put("functionCall", new JsonObject().put("name", "search").put("args", new JsonObject().put("query", "wharf"))))),
                contents.getJsonObject(1), "a made-up id is not sent back, and Gemini 2 gets no signature");
        assertEquals(new JsonObject().put("role", "user").put("parts", new JsonArray().add(new JsonObject()
                        .put("functionResponse", new JsonObject().put("name", "search")
                                .put("response", new JsonObject().put("output", new JsonObject().put("hits", 3)))))),
                contents.getJsonObject(2), "the name comes from the call; JSON results stay structured");
    }

    @Test
    void gemini3ReplaysCallsWithTheSignaturePlaceholderAndRealIds() {
        server.reply("ok");
        List<Message> history = List.of(Message.user("Go"),
                new Message(Message.Role.ASSISTANT, List.of(
                        new Part.ToolCall("fc-1", "search", new JsonObject().put("query", "a")),
                        new Part.ToolCall("fc-2", "search", new JsonObject().put("query", "b")))),
                new Message(Message.Role.TOOL, List.of(
                        new Part.ToolResult("fc-1", "search", "not json", false),
                        new Part.ToolResult("fc-2", "search", "quota exceeded", true))));

        provider.generate(request("gemini-3-pro-preview", history)).await().atMost(WAIT);

        JsonArray contents = server.lastRequest().getJsonArray("contents");
        JsonArray calls = contents.getJsonObject(1).getJsonArray("parts");
        assertEquals(GeminiCodec.SIGNATURE_PLACEHOLDER, calls.getJsonObject(0).getString("thoughtSignature"));
        assertFalse(calls.getJsonObject(1).containsKey("thoughtSignature"), "only the first call of a turn is signed");
        assertEquals("fc-1", calls.getJsonObject(0).getJsonObject("functionCall").getString("id"));
        JsonArray results = contents.getJsonObject(2).getJsonArray("parts");
        assertEquals(new JsonObject().put("name", "search").put("response", new JsonObject().put("output", "not json"))
                .put("id", "fc-1"), results.getJsonObject(0).getJsonObject("functionResponse"));
        assertEquals(new JsonObject().put("error", "quota exceeded"),
                results.getJsonObject(1).getJsonObject("functionResponse").getJsonObject("response"));
    }

    @Test
    void streamingEmitsDeltasThenOneCompleted() {
        server.enqueue(ScriptedReply.toolCall("search", "{\"query\":\"tides\"}").withText("Let me search.")
                .withThought("Search first.").withUsage(20, 9, 5));

        List<ModelEvent> events = provider.stream(request("gemini-2.5-flash", List.of(Message.user("Tides?"))))
                .collect().asList().await().atMost(WAIT);

        StringBuilder text = new StringBuilder();
        StringBuilder thought = new StringBuilder();
        for (ModelEvent event : events.subList(0, events.size() - 1)) {
            if (event instanceof ModelEvent.TextDelta delta) {
                text.append(delta.text());
            } else if (event instanceof ModelEvent.ThoughtDelta delta) {
                thought.append(delta.text());
            } else {
                throw new AssertionError("one Completed, last: " + events);
            }
        }
        assertEquals("Let me search.", text.toString());
        assertEquals("Search first.", thought.toString());
        ModelResponse response = assertInstanceOf(ModelEvent.Completed.class, events.get(events.size() - 1)).response();
        assertEquals(new Part.Thought("Search first."), response.parts().get(0));
        assertEquals(new Part.Text("Let me search."), response.parts().get(1));
        assertEquals(new JsonObject().put("query", "tides"), ((Part.ToolCall) response.parts().get(2)).arguments());
        assertEquals("tool_calls", response.finishReason());
        assertEquals(new Usage(20, 9, 5), response.usage());
        assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", server.recorded().get(0).path());
    }

    @Test
    void finishReasonsAreNormalised() {
        assertEquals("length", GeminiCodec.finishReason(candidateWith("MAX_TOKENS")));
        assertEquals("content_filter", GeminiCodec.finishReason(candidateWith("SAFETY")));
        assertEquals("malformed_function_call", GeminiCodec.finishReason(candidateWith("MALFORMED_FUNCTION_CALL")));
        assertEquals("content_filter", GeminiCodec.finishReason(new JsonObject()
                .put("promptFeedback", new JsonObject().put("blockReason", "SAFETY"))));
    }

    @Test
    void errorsCarryGooglesMessageWithoutTheKey() {
        server.fail(400, "API key not valid: " + KEY + ". Please pass a valid API key.");
        ModelProviderException error = assertThrows(ModelProviderException.class,
                () -> provider.generate(request("gemini-2.5-flash", List.of(Message.user("Hi")))).await().atMost(WAIT));
        assertEquals(400, error.httpStatus());
        assertTrue(error.getMessage().contains("API key not valid"), error.getMessage());
        assertFalse(error.getMessage().contains(KEY), error.getMessage());

        server.fail(500, "Internal error encountered.");
        ModelProviderException streamError = assertThrows(ModelProviderException.class,
                () -> provider.stream(request("gemini-2.5-flash", List.of(Message.user("Hi")))).collect().asList()
                        .await().atMost(WAIT));
        assertEquals(500, streamError.httpStatus());
        assertTrue(streamError.getMessage().contains("Internal error encountered."), streamError.getMessage());
    }

    @Test
    void missingKeyNamesTheVariable() {
        GeminiProvider unconfigured = new GeminiProvider(vertx, TestEndpoints.gemini(server.baseUrl(), null));
        try {
            ModelProviderException error = assertThrows(ModelProviderException.class,
                    () -> unconfigured.stream(request("gemini-2.5-flash", List.of(Message.user("Hi")))).collect().asList()
                            .await().atMost(WAIT));
            assertTrue(error.getMessage().contains("GEMINI_API_KEY"), error.getMessage());
            assertEquals(0, server.requestCount());
        } finally {
            unconfigured.close();
        }
    }

    private static JsonObject candidateWith(String finishReason) {
        return new JsonObject().put("candidates", new JsonArray().add(new JsonObject().put("finishReason", finishReason)));
    }
}
