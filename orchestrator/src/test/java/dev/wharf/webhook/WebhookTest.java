package dev.wharf.webhook;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.support.ScriptedModel;
import dev.wharf.support.WebhookReceiver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end: real interactions against the scripted model, delivered over HTTP to a receiver in this
 * test that checks the Standard Webhooks signature the way a customer's endpoint would.
 */
@QuarkusTest
@QuarkusTestResource(ScriptedModel.class)
class WebhookTest {
    @Inject
    WebhookDispatcher dispatcher;

    WebhookReceiver receiver;

    @jakarta.inject.Inject
    dev.wharf.support.TestClock testClock;

    @BeforeEach
    void setUp() throws IOException {
        ScriptedModel.server().reset();
        List<String> ids = given().get("/v1/webhooks?page_size=1000").then().statusCode(200)
                .extract().path("webhooks.id");
        ids.forEach(id -> given().delete("/v1/webhooks/" + id).then().statusCode(200));
        receiver = new WebhookReceiver(testClock);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
    }

    @Test
    void completedInteractionIsDeliveredOnceAndSigned() {
        Map<String, Object> created = subscribe(List.of("interaction.completed"));
        receiver.secret((String) created.get("secret"));
        String interaction = runInteraction(() -> ScriptedModel.server().reply("hi"), Map.of());

        JsonObject body = receiver.await(1).get(0).verifiedBody();
        assertEquals("interaction.completed", body.getString("type"));
        assertEquals(interaction, body.getJsonObject("data").getString("id"));
        assertEquals("completed", body.getJsonObject("data").getString("status"));
        Instant.parse(body.getString("timestamp"));
        sleep(1000);
        assertEquals(1, receiver.deliveries().size(), "exactly one delivery");
    }

    @Test
    void failedInteractionRaisesInteractionFailed() {
        Map<String, Object> created = subscribe(List.of("interaction.completed", "interaction.failed"));
        receiver.secret((String) created.get("secret"));
        String interaction = runInteraction(() -> ScriptedModel.server().fail(500, "x"), Map.of());

        JsonObject body = receiver.await(1).get(0).verifiedBody();
        assertEquals("interaction.failed", body.getString("type"));
        assertEquals(interaction, body.getJsonObject("data").getString("id"));
        assertEquals("failed", body.getJsonObject("data").getString("status"));
    }

    @Test
    void failedAttemptsAreRetriedWithTheSameIdUntilOneSucceeds() {
        receiver.answerNext(500, 500);
        Map<String, Object> created = subscribe(List.of("interaction.completed"));
        receiver.secret((String) created.get("secret"));
        String webhook = (String) created.get("id");
        String interaction = runInteraction(() -> ScriptedModel.server().reply("hi"), Map.of());

        List<WebhookReceiver.Delivery> attempts = receiver.await(3);
        attempts.forEach(WebhookReceiver.Delivery::verifiedBody);
        assertEquals(1, attempts.stream().map(r -> r.header("webhook-id")).distinct().count(), "stable webhook-id");
        awaitTrue(() -> "succeeded".equals(given().get("/v1/webhooks/" + webhook + "/deliveries").then()
                .extract().path("deliveries[0].status")), "the third attempt is recorded as succeeded");
        given().get("/v1/webhooks/" + webhook + "/deliveries").then().statusCode(200)
                .body("deliveries.size()", equalTo(3))
                .body("deliveries[0].attempt", equalTo(3))
                .body("deliveries[0].status", equalTo("succeeded"))
                .body("deliveries[0].response_status", equalTo(200))
                .body("deliveries[0].id", equalTo(attempts.get(0).header("webhook-id")))
                .body("deliveries[0].interaction_id", equalTo(interaction))
                .body("deliveries[0].event_type", equalTo("interaction.completed"))
                .body("deliveries[1].attempt", equalTo(2))
                .body("deliveries[1].status", equalTo("failed"))
                .body("deliveries[1].response_status", equalTo(500))
                .body("deliveries[2].attempt", equalTo(1));
        given().get("/v1/webhooks/" + webhook).then().body("state", equalTo("enabled"));
    }

    @Test
    void aReceiverThatAlwaysFailsGetsItsWebhookDisabled() {
        receiver.alwaysAnswer(503);
        Map<String, Object> created = subscribe(List.of("interaction.completed"));
        receiver.secret((String) created.get("secret"));
        String webhook = (String) created.get("id");
        runInteraction(() -> ScriptedModel.server().reply("hi"), Map.of());

        // %test.wharf.webhooks.disable-after=3
        awaitTrue(() -> "disabled".equals(given().get("/v1/webhooks/" + webhook).then().extract().path("state")),
                "webhook disabled after consecutive failures");
        sleep(1500);
        assertEquals(3, receiver.deliveries().size(), "nothing is sent once disabled");
        given().contentType(ContentType.JSON).body(Map.of("state", "enabled")).patch("/v1/webhooks/" + webhook)
                .then().statusCode(200).body("state", equalTo("enabled"));
    }

    @Test
    void perRequestUrisReceiveTheEventWithUserMetadata() {
        receiver.secret(dispatcher.requestSecret().await().atMost(Duration.ofSeconds(10)));
        String interaction = runInteraction(() -> ScriptedModel.server().reply("hi"),
                Map.of("webhook_config", Map.of("uris", List.of(receiver.uri()), "user_metadata", Map.of("job", "42"))));

        JsonObject body = receiver.await(1).get(0).verifiedBody();
        assertEquals("interaction.completed", body.getString("type"));
        assertEquals(interaction, body.getJsonObject("data").getString("id"));
        assertEquals("42", body.getJsonObject("data").getJsonObject("user_metadata").getString("job"));
    }

    @Test
    void crudAndValidation() {
        Map<String, Object> created = subscribe(List.of("interaction.completed"));
        String id = (String) created.get("id");
        assertTrue(((String) created.get("secret")).startsWith("whsec_"));
        assertEquals("enabled", created.get("state"));

        given().get("/v1beta/webhooks/" + id).then().statusCode(200)
                .body("uri", equalTo(receiver.uri()))
                .body("subscribed_events[0]", equalTo("interaction.completed"))
                .body("secret", nullValue());
        given().get("/v1/webhooks").then().statusCode(200)
                .body("webhooks.size()", equalTo(1))
                .body("webhooks[0].id", equalTo(id))
                .body("webhooks[0].secret", nullValue());
        given().contentType(ContentType.JSON)
                .body(Map.of("subscribed_events", List.of("interaction.failed", "interaction.requires_action"),
                        "state", "disabled"))
                .patch("/v1/webhooks/" + id).then().statusCode(200)
                .body("subscribed_events.size()", equalTo(2))
                .body("state", equalTo("disabled"))
                .body("secret", nullValue());

        assertError(given().contentType(ContentType.JSON)
                .body(Map.of("uri", "not a uri", "subscribed_events", List.of("interaction.completed")))
                .post("/v1/webhooks").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON)
                .body(Map.of("uri", "ftp://example.com/x", "subscribed_events", List.of("interaction.completed")))
                .post("/v1/webhooks").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON)
                .body(Map.of("uri", receiver.uri(), "subscribed_events", List.of("interaction.exploded")))
                .post("/v1/webhooks").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON).body(Map.of("state", "paused"))
                .patch("/v1/webhooks/" + id).then(), 400, "INVALID_ARGUMENT");
        assertError(given().get("/v1/webhooks/whk_nosuch").then(), 404, "NOT_FOUND");
        assertError(given().get("/v1/webhooks/whk_nosuch/deliveries").then(), 404, "NOT_FOUND");
        assertError(given().contentType(ContentType.JSON).body(Map.of("state", "enabled"))
                .patch("/v1/webhooks/whk_nosuch").then(), 404, "NOT_FOUND");

        given().delete("/v1/webhooks/" + id).then().statusCode(200).body(equalTo("{}"));
        assertError(given().delete("/v1/webhooks/" + id).then(), 404, "NOT_FOUND");
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private Map<String, Object> subscribe(List<String> events) {
        return given().contentType(ContentType.JSON).body(Map.of("uri", receiver.uri(), "subscribed_events", events))
                .post("/v1/webhooks").then().statusCode(200).extract().jsonPath().getMap("");
    }

    private static String runInteraction(Runnable script, Map<String, Object> extra) {
        script.run();
        Map<String, Object> body = new java.util.HashMap<>(Map.of("model", "openai/m", "input", "x"));
        body.putAll(extra);
        return given().contentType(ContentType.JSON).body(body).post("/v1/interactions")
                .then().statusCode(200).extract().path("id");
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
