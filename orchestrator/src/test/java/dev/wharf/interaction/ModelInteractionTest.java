package dev.wharf.interaction;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.SseEvents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Plain model interactions against a scripted OpenAI-compatible server, over HTTP. */
@QuarkusTest
@QuarkusTestResource(ScriptedModel.class)
class ModelInteractionTest {
    ScriptedOpenAiServer model;

    @BeforeEach
    void reset() {
        model = ScriptedModel.server();
        model.reset();
    }

    @Test
    void foregroundCallReturnsTheNewStepsAndUsage() {
        model.usage(12, 5, 0).reply("Hello there");
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/gpt-test", "input", "Say hello", "system_instruction", "Be brief"))
                .post("/v1beta/interactions")
                .then().statusCode(200)
                .body("status", equalTo("completed"))
                .body("model", equalTo("openai/gpt-test"))
                .body("steps", hasSize(1))
                .body("steps[0].type", equalTo("model_output"))
                .body("steps[0].content[0].text", equalTo("Hello there"))
                .body("usage.total_input_tokens", equalTo(12))
                .body("usage.total_output_tokens", equalTo(5))
                .body("usage.total_tokens", equalTo(17));
        JsonObject sent = model.lastRequest();
        assertEquals("gpt-test", sent.getString("model"));
        JsonArray messages = sent.getJsonArray("messages");
        assertEquals("system", messages.getJsonObject(0).getString("role"));
        assertEquals("Be brief", messages.getJsonObject(0).getString("content"));
        assertEquals("user", messages.getJsonObject(1).getString("role"));
    }

    @Test
    void getReturnsTheWholeTimelineStartingWithTheInput() {
        model.reply("Four");
        String id = given().contentType(ContentType.JSON).body(Map.of("model", "openai/m", "input", "2+2?"))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        given().get("/v1/interactions/" + id).then().statusCode(200)
                .body("steps", hasSize(2))
                .body("steps[0].type", equalTo("user_input"))
                .body("steps[0].content[0].text", equalTo("2+2?"))
                .body("steps[1].content[0].text", equalTo("Four"));
    }

    @Test
    void conversationCarriesOverThroughPreviousInteractionId() {
        model.reply("Nice to meet you, Ada.").reply("Your name is Ada.");
        String first = given().contentType(ContentType.JSON).body(Map.of("model", "openai/m", "input", "I am Ada"))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "What is my name?", "previous_interaction_id", first))
                .post("/v1/interactions").then().statusCode(200)
                .body("steps[0].content[0].text", equalTo("Your name is Ada."))
                .body("previous_interaction_id", equalTo(first));
        JsonArray messages = model.lastRequest().getJsonArray("messages");
        List<String> contents = new ArrayList<>();
        messages.forEach(m -> contents.add(((JsonObject) m).getString("role") + ":" + ((JsonObject) m).getValue("content")));
        assertEquals(List.of("user:I am Ada", "assistant:Nice to meet you, Ada.", "user:What is my name?"), contents);
    }

    @Test
    void clientFunctionStopsInRequiresActionAndTheResultResumes() {
        model.replyToolCall("get_weather", "{\"city\":\"Paris\"}").reply("It is sunny in Paris.");
        Map<String, Object> tool = Map.of("type", "function", "name", "get_weather", "description", "Weather by city",
                "parameters", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))));
        var first = given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "Weather in Paris?", "tools", List.of(tool)))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("requires_action"))
                .body("steps[0].type", equalTo("function_call"))
                .body("steps[0].name", equalTo("get_weather"))
                .body("steps[0].arguments.city", equalTo("Paris"))
                .extract();
        String callId = first.path("steps[0].id");
        given().contentType(ContentType.JSON).body(Map.of("model", "openai/m", "tools", List.of(tool),
                        "previous_interaction_id", first.path("id"),
                        "input", List.of(Map.of("type", "function_result", "call_id", callId, "name", "get_weather",
                                "result", "{\"sky\":\"sunny\"}"))))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed"))
                .body("steps[0].content[0].text", equalTo("It is sunny in Paris."));
        JsonArray messages = model.lastRequest().getJsonArray("messages");
        JsonObject toolMessage = messages.getJsonObject(messages.size() - 1);
        assertEquals("tool", toolMessage.getString("role"));
        assertEquals(callId, toolMessage.getString("tool_call_id"));
    }

    @Test
    void streamSendsEventsInOrderAndResumesAfterAnEventId() {
        model.reply("streamed words arrive in pieces");
        String body = given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "stream please", "stream", true))
                .post("/v1/interactions").then().statusCode(200).contentType("text/event-stream")
                .extract().asString();
        List<JsonObject> events = SseEvents.parse(body);
        List<String> types = events.stream().map(e -> e.getString("event_type")).toList();
        assertEquals("interaction.created", types.get(0));
        assertEquals("interaction.completed", types.get(types.size() - 1));
        assertTrue(types.contains("step.delta"), types.toString());
        assertTrue(types.indexOf("step.start") < types.indexOf("step.delta"));
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> "step.delta".equals(e.getString("event_type"))
                        && e.getInteger("index") == 1)
                .forEach(e -> text.append(e.getJsonObject("delta").getString("text")));
        assertEquals("streamed words arrive in pieces", text.toString());
        for (int i = 1; i < events.size(); i++) {
            assertTrue(Long.parseLong(events.get(i).getString("event_id"))
                    > Long.parseLong(events.get(i - 1).getString("event_id")), "event ids increase");
        }

        String id = events.get(0).getJsonObject("interaction").getString("id");
        JsonObject middle = events.get(events.size() / 2);
        String resumed = given().queryParam("stream", true).queryParam("last_event_id", middle.getString("event_id"))
                .get("/v1/interactions/" + id).then().statusCode(200).extract().asString();
        List<JsonObject> rest = SseEvents.parse(resumed);
        assertEquals(events.subList(events.size() / 2 + 1, events.size()), rest);
    }

    @Test
    void backgroundReturnsAtOnceAndCompletesUnattended() throws InterruptedException {
        model.enqueue(dev.wharf.model.ScriptedReply.text("done later").withDelay(1500));
        var created = given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "take your time", "background", true))
                .post("/v1/interactions").then().statusCode(200).extract();
        String status = created.path("status");
        assertTrue(status.equals("queued") || status.equals("in_progress"), status);
        String id = created.path("id");
        given().get("/v1/interactions/" + id).then().statusCode(200);
        String finalStatus = status;
        for (int i = 0; i < 100 && !finalStatus.equals("completed"); i++) {
            Thread.sleep(100);
            finalStatus = given().get("/v1/interactions/" + id).then().extract().path("status");
        }
        assertEquals("completed", finalStatus);
    }

    @Test
    void providerFailureEndsFailedWithAClearError() {
        model.fail(500, "the model exploded");
        given().contentType(ContentType.JSON).body(Map.of("model", "openai/m", "input", "hi"))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("errors[0].code", equalTo("model_error"))
                .body("errors[0].message", org.hamcrest.Matchers.containsString("the model exploded"));
    }

    @Test
    void idempotencyKeyReturnsTheSameInteraction() {
        model.reply("once");
        String first = given().contentType(ContentType.JSON).header("Idempotency-Key", "key-" + System.nanoTime())
                .body(Map.of("model", "openai/m", "input", "hi")).post("/v1/interactions")
                .then().statusCode(200).extract().path("id");
        String key = "same-" + System.nanoTime();
        String a = given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("model", "openai/m", "input", "hi")).post("/v1/interactions")
                .then().statusCode(200).extract().path("id");
        model.reply("should not be asked");
        String b = given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("model", "openai/m", "input", "hi")).post("/v1/interactions")
                .then().statusCode(200).extract().path("id");
        assertEquals(a, b);
        assertTrue(!first.equals(a));
    }

    @Test
    void storeFalseKeepsNothing() {
        model.reply("ephemeral");
        String id = given().contentType(ContentType.JSON).body(Map.of("model", "openai/m", "input", "hi", "store", false))
                .post("/v1/interactions").then().statusCode(200).body("status", equalTo("completed"))
                .extract().path("id");
        assertError(given().get("/v1/interactions/" + id).then(), 404, "NOT_FOUND");
    }

    @Test
    void cancelAndDelete() {
        model.enqueue(dev.wharf.model.ScriptedReply.text("too late").withDelay(3000));
        String id = given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "slow", "background", true))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        given().post("/v1/interactions/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
        given().post("/v1/interactions/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
        given().delete("/v1/interactions/" + id).then().statusCode(200).body(equalTo("{}"));
        assertError(given().get("/v1/interactions/" + id).then(), 404, "NOT_FOUND");
    }

    @Test
    void badRequestsAreRefusedClearly() {
        assertError(given().contentType(ContentType.JSON).body(Map.of("input", "hi")).post("/v1/interactions").then(),
                400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON).body(Map.of("model", "m", "agent", "default", "input", "x"))
                .post("/v1/interactions").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON).body(Map.of("model", "nosuch/m", "input", "x"))
                .post("/v1/interactions").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "x", "store", false, "background", true))
                .post("/v1/interactions").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON).body("{oops").post("/v1/interactions").then(),
                400, "INVALID_ARGUMENT");
        assertError(given().get("/v1/interactions/int_nope").then(), 404, "NOT_FOUND");
    }
}
