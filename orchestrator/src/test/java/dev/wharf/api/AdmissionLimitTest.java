package dev.wharf.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedReply;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Past its in-flight limits a control plane refuses more work at once with 429 RESOURCE_EXHAUSTED and
 * Retry-After, stores nothing for the refused call, keeps serving other tenants up to the plane's own limit, and
 * takes work again as soon as places free. Health is never counted or refused.
 */
@QuarkusTest
@TestProfile(AdmissionLimitTest.SmallLimits.class)
class AdmissionLimitTest {
    private static final long SLOW_MODEL_MILLIS = 3000;

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wharf.admission.max-model-calls", "6", "wharf.admission.tenant-max-model-calls", "3",
                    "wharf.admission.max-requests", "10", "wharf.admission.tenant-max-requests", "5",
                    "wharf.admission.retry-after", "2s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void reset() {
        ScriptedModel.server().reset();
    }

    @Test
    void modelCallsPastTheTenantAndPlaneLimitsAreRefusedAndNothingIsStored() throws Exception {
        ScriptedModel.server().reset().respondWith(request -> ScriptedReply.text("slow answer")
                .withDelay(SLOW_MODEL_MILLIS));
        Tenants.Created alice = Tenants.create("admission-alice");
        Tenants.Created bob = Tenants.create("admission-bob");
        Tenants.Created carol = Tenants.create("admission-carol");

        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(modelCall(alice.key(), "alice " + i));
            held.add(modelCall(bob.key(), "bob " + i));
        }
        awaitModelCalls(6);

        // Alice has her three running: her fourth is refused, with the envelope and Retry-After.
        HttpResponse<String> refused = modelCall(alice.key(), "alice, one too many").get(30, TimeUnit.SECONDS);
        assertRefused(refused, "this tenant has its limit of 3 model interactions");
        // Carol has none, but the plane runs its six: she is refused by the plane's limit.
        assertRefused(modelCall(carol.key(), "carol").get(30, TimeUnit.SECONDS),
                "this control plane is serving its limit of 6 model interactions");
        // A refusal stores nothing: Carol has no interaction at all.
        assertEquals(0, carol.as().get("/v1/interactions").then().statusCode(200).extract()
                .jsonPath().getList("interactions").size());

        for (CompletableFuture<HttpResponse<String>> call : held) {
            HttpResponse<String> answer = call.get(60, TimeUnit.SECONDS);
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals("completed", new JsonObject(answer.body()).getString("status"));
        }
        // The places came back: Alice and Carol are served again.
        ScriptedModel.server().reset().respondWith(request -> ScriptedReply.text("quick answer"));
        assertEquals(200, modelCall(alice.key(), "alice again").get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(200, modelCall(carol.key(), "carol again").get(30, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void requestsPastTheTenantLimitAreRefusedWhileHealthAnswers() throws Exception {
        ScriptedModel.server().reset().respondWith(request -> ScriptedReply.text("slow answer").withDelay(8000));
        Tenants.Created dave = Tenants.create("admission-dave");
        String running = dave.as().contentType("application/json")
                .body(Map.of("model", "openai/admission-model", "input", "take your time", "background", true))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");

        // Five open event streams are five requests in flight for Dave.
        List<InputStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                HttpResponse<InputStream> stream = http.send(request("/v1/interactions/" + running + "?stream=true",
                        dave.key()).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, stream.statusCode());
                streams.add(stream.body());
            }
            HttpResponse<String> refused = http.send(request("/v1/interactions/" + running, dave.key()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertRefused(refused, "this tenant has its limit of 5 API requests");
            // Other tenants and the probes are not affected.
            given().get("/v1/interactions/" + "int_" + "a".repeat(26)).then().statusCode(404);
            given().noFilters().get("/q/health/ready").then().statusCode(200);
        } finally {
            for (InputStream stream : streams) {
                stream.close();
            }
        }
        // Closed streams give their places back (the server notices the close asynchronously).
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status = 0;
        while (System.nanoTime() < until && status != 200) {
            status = http.send(request("/v1/interactions/" + running, dave.key()).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
            Thread.sleep(100);
        }
        assertEquals(200, status, "Dave is served again once his streams are closed");
    }

    private static void assertRefused(HttpResponse<String> response, String message) {
        assertEquals(429, response.statusCode(), response.body());
        JsonObject error = new JsonObject(response.body()).getJsonObject("error");
        assertEquals(429, error.getInteger("code"));
        assertEquals("RESOURCE_EXHAUSTED", error.getString("status"));
        assertTrue(error.getString("message").contains(message), error.getString("message"));
        assertEquals("2", response.headers().firstValue("Retry-After").orElse(null), "Retry-After in seconds");
    }

    /** Waits until the scripted model has received {@code count} calls, i.e. they are all in flight. */
    private static void awaitModelCalls(int count) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ScriptedModel.server().requestCount() < count && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertEquals(count, ScriptedModel.server().requestCount(), "all calls reached the model");
    }

    private CompletableFuture<HttpResponse<String>> modelCall(String key, String input) {
        HttpRequest request = request("/v1/interactions", key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "openai/admission-model")
                        .put("input", input).encode())).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String key) {
        assertNotNull(key);
        return HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path))
                .timeout(Duration.ofSeconds(60)).header(TestTenants.KEY_HEADER, key);
    }
}
