package dev.wharf.webhook;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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

    Receiver receiver;

    /**
     * Freshness is judged against the platform's clock, which other test classes move forward to reach
     * deadlines; in production it is the wall clock.
     */
    static volatile java.time.Clock platformClock = java.time.Clock.systemUTC();

    @jakarta.inject.Inject
    dev.wharf.support.TestClock testClock;

    @BeforeEach
    void setUp() throws IOException {
        platformClock = testClock;
        ScriptedModel.server().reset();
        List<String> ids = given().get("/v1/webhooks?page_size=1000").then().statusCode(200)
                .extract().path("webhooks.id");
        ids.forEach(id -> given().delete("/v1/webhooks/" + id).then().statusCode(200));
        receiver = new Receiver();
    }

    @AfterEach
    void tearDown() {
        receiver.close();
    }

    @Test
    void completedInteractionIsDeliveredOnceAndSigned() {
        Map<String, Object> created = subscribe(List.of("interaction.completed"));
        receiver.secret = (String) created.get("secret");
        String interaction = runInteraction(() -> ScriptedModel.server().reply("hi"), Map.of());

        JsonObject body = receiver.awaitRequests(1).get(0).verifiedBody();
        assertEquals("interaction.completed", body.getString("type"));
        assertEquals(interaction, body.getJsonObject("data").getString("id"));
        assertEquals("completed", body.getJsonObject("data").getString("status"));
        Instant.parse(body.getString("timestamp"));
        sleep(1000);
        assertEquals(1, receiver.requests().size(), "exactly one delivery");
    }

    @Test
    void failedInteractionRaisesInteractionFailed() {
        Map<String, Object> created = subscribe(List.of("interaction.completed", "interaction.failed"));
        receiver.secret = (String) created.get("secret");
        String interaction = runInteraction(() -> ScriptedModel.server().fail(500, "x"), Map.of());

        JsonObject body = receiver.awaitRequests(1).get(0).verifiedBody();
        assertEquals("interaction.failed", body.getString("type"));
        assertEquals(interaction, body.getJsonObject("data").getString("id"));
        assertEquals("failed", body.getJsonObject("data").getString("status"));
    }

    @Test
    void failedAttemptsAreRetriedWithTheSameIdUntilOneSucceeds() {
        receiver.answers.add(500);
        receiver.answers.add(500);
        Map<String, Object> created = subscribe(List.of("interaction.completed"));
        receiver.secret = (String) created.get("secret");
        String webhook = (String) created.get("id");
        String interaction = runInteraction(() -> ScriptedModel.server().reply("hi"), Map.of());

        List<Recorded> attempts = receiver.awaitRequests(3);
        attempts.forEach(Recorded::verifiedBody);
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
        receiver.alwaysAnswer = 503;
        Map<String, Object> created = subscribe(List.of("interaction.completed"));
        receiver.secret = (String) created.get("secret");
        String webhook = (String) created.get("id");
        runInteraction(() -> ScriptedModel.server().reply("hi"), Map.of());

        // %test.wharf.webhooks.disable-after=3
        awaitTrue(() -> "disabled".equals(given().get("/v1/webhooks/" + webhook).then().extract().path("state")),
                "webhook disabled after consecutive failures");
        sleep(1500);
        assertEquals(3, receiver.requests().size(), "nothing is sent once disabled");
        given().contentType(ContentType.JSON).body(Map.of("state", "enabled")).patch("/v1/webhooks/" + webhook)
                .then().statusCode(200).body("state", equalTo("enabled"));
    }

    @Test
    void perRequestUrisReceiveTheEventWithUserMetadata() {
        receiver.secret = dispatcher.requestSecret().await().atMost(Duration.ofSeconds(10));
        String interaction = runInteraction(() -> ScriptedModel.server().reply("hi"),
                Map.of("webhook_config", Map.of("uris", List.of(receiver.uri()), "user_metadata", Map.of("job", "42"))));

        JsonObject body = receiver.awaitRequests(1).get(0).verifiedBody();
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

    /** One request the receiver got, and whether its signature checked out. */
    record Recorded(Map<String, String> headers, String body, String problem) {
        String header(String name) {
            return headers.get(name);
        }

        /** The body, after asserting the receiver accepted the signature. */
        JsonObject verifiedBody() {
            assertEquals(null, problem, "signature verification");
            assertEquals("application/json", header("content-type"));
            return new JsonObject(body);
        }
    }

    /** A webhook endpoint on 127.0.0.1 that verifies signatures itself and answers scripted statuses. */
    static final class Receiver implements AutoCloseable {
        private final HttpServer server;
        private final List<Recorded> requests = new ArrayList<>();
        final Deque<Integer> answers = new ArrayDeque<>();
        volatile Integer alwaysAnswer;
        volatile String secret;

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Map<String, String> headers = new java.util.HashMap<>();
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
                String problem = verify(headers, body);
                int status;
                synchronized (this) {
                    requests.add(new Recorded(headers, body, problem));
                    status = problem != null ? 401
                            : alwaysAnswer != null ? alwaysAnswer : answers.isEmpty() ? 200 : answers.poll();
                }
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
        }

        /** The Standard Webhooks check: HMAC over id.timestamp.body, and a timestamp within five minutes. */
        private String verify(Map<String, String> headers, String body) {
            String id = headers.get("webhook-id");
            String timestamp = headers.get("webhook-timestamp");
            String signature = headers.get("webhook-signature");
            if (id == null || timestamp == null || signature == null || secret == null) {
                return "missing webhook headers or secret";
            }
            long sent = Long.parseLong(timestamp);
            if (Math.abs(platformClock.instant().getEpochSecond() - sent) > 300) {
                return "timestamp too far from now";
            }
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                byte[] key = java.util.Base64.getDecoder().decode(secret.substring("whsec_".length()));
                mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
                String expected = "v1," + java.util.Base64.getEncoder().encodeToString(
                        mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
                for (String candidate : signature.split(" ")) {
                    if (java.security.MessageDigest.isEqual(candidate.getBytes(StandardCharsets.UTF_8),
                            expected.getBytes(StandardCharsets.UTF_8))) {
                        return null;
                    }
                }
                return "signature mismatch";
            } catch (java.security.GeneralSecurityException e) {
                return e.toString();
            }
        }

        String uri() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        synchronized List<Recorded> requests() {
            return List.copyOf(requests);
        }

        List<Recorded> awaitRequests(int count) {
            awaitTrue(() -> requests().size() >= count, count + " webhook requests");
            return requests();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
