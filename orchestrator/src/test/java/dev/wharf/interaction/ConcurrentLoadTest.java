package dev.wharf.interaction;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedReply;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The API holds a burst far larger than its database pool (20 connections by default, unchanged here): 200
 * simultaneous model interactions, each taking two seconds at the model, and 50 background agent tasks that
 * queue for four sandbox slots. Every call is answered within a bound, none with a 5xx, every interaction ends
 * the way its work did (none "failed" for a reason that did not happen), and readiness answers throughout.
 */
@QuarkusTest
@TestProfile(ConcurrentLoadTest.FourSlots.class)
@Tag("slow")
class ConcurrentLoadTest {
    private static final int MODEL_CALLS = 200;
    private static final int AGENT_TASKS = 50;
    private static final long MODEL_MILLIS = 2000;
    /** Generous: a call that takes this long has hung, whatever the machine. */
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(90);
    private static final Duration AGENTS_BOUND = Duration.ofSeconds(240);
    private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled", "incomplete",
            "budget_exceeded", "requires_action");

    /** Four sandboxes at once: the agent tasks wait in the queue, as they would on a busy host. */
    public static class FourSlots implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wharf.capacity.max-sandboxes", "4");
        }
    }

    @TestHTTPResource("/")
    URL base;

    private final List<String> environments = new ArrayList<>();

    @AfterEach
    void removeEnvironments() {
        environments.parallelStream().forEach(id -> given().delete("/v1/environments/" + id));
        ScriptedModel.server().reset();
    }

    @Test
    void aBurstBeyondThePoolIsServedWithoutErrors() throws Exception {
        ScriptedModel.server().reset().respondWith(request -> request.getValue("tools") == null
                ? ScriptedReply.text("pong").withDelay(MODEL_MILLIS)
                : ScriptedReply.text("done"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService probes = Executors.newSingleThreadExecutor();
        AtomicBoolean loading = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> unhealthy = new ConcurrentLinkedQueue<>();
        int[] probesAnswered = {0};
        probes.submit(() -> {
            while (loading.get()) {
                try {
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(uri("/q/health/ready"))
                            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    if (health.statusCode() != 200) {
                        unhealthy.add(health.statusCode() + " " + health.body());
                    }
                    probesAnswered[0]++;
                    Thread.sleep(250);
                } catch (Exception e) {
                    unhealthy.add("no answer: " + e);
                }
            }
        });

        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < MODEL_CALLS; i++) {
            calls.add(post(http, new JsonObject().put("model", "openai/load-model").put("input", "ping " + i)));
        }
        List<CompletableFuture<HttpResponse<String>>> tasks = new ArrayList<>();
        for (int i = 0; i < AGENT_TASKS; i++) {
            tasks.add(post(http, new JsonObject().put("agent", "default").put("input", "task " + i)
                    .put("background", true)
                    .put("agent_config", new JsonObject().put("type", "dynamic").put("model", "openai/load-model"))));
        }

        List<String> problems = new ArrayList<>();
        List<String> agentIds = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> answer = call.get(ANSWER_BOUND.toSeconds(), TimeUnit.SECONDS);
            JsonObject body = new JsonObject(answer.body());
            if (answer.statusCode() != 200 || !"completed".equals(body.getString("status"))) {
                problems.add("model call: " + answer.statusCode() + " " + answer.body());
            } else if (!body.getJsonArray("steps").encode().contains("pong")) {
                problems.add("model call without the model's answer: " + answer.body());
            }
        }
        for (CompletableFuture<HttpResponse<String>> task : tasks) {
            HttpResponse<String> answer = task.get(ANSWER_BOUND.toSeconds(), TimeUnit.SECONDS);
            JsonObject body = new JsonObject(answer.body());
            if (answer.statusCode() != 200 || ENDED.contains(body.getString("status")) && !"completed"
                    .equals(body.getString("status"))) {
                problems.add("agent task: " + answer.statusCode() + " " + answer.body());
            } else {
                agentIds.add(body.getString("id"));
            }
        }
        assertEquals(List.of(), problems, "every call of the burst is answered with its result, none with an error");

        // The queued agent tasks all run through the four slots and end as their work did.
        long until = System.nanoTime() + AGENTS_BOUND.toNanos();
        Map<String, JsonObject> last = Map.of();
        while (System.nanoTime() < until) {
            // One listing a second on the test's keep-alive client, as a dashboard would poll.
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri("/v1/interactions?page_size=1000"))
                    .timeout(ANSWER_BOUND).header(TestTenants.KEY_HEADER, TestTenants.DEFAULT_KEY).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), page.body());
            Set<String> ours = Set.copyOf(agentIds);
            last = new JsonObject(page.body()).getJsonArray("interactions").stream().map(JsonObject.class::cast)
                    .filter(i -> ours.contains(i.getString("id")))
                    .collect(Collectors.toMap(i -> i.getString("id"), i -> i));
            if (last.size() == agentIds.size() && last.values().stream()
                    .allMatch(i -> ENDED.contains(i.getString("status")))) {
                break;
            }
            Thread.sleep(1000);
        }
        loading.set(false);
        probes.shutdown();
        assertTrue(probes.awaitTermination(30, TimeUnit.SECONDS));
        last.values().forEach(i -> {
            if (i.getString("environment_id") != null) {
                environments.add(i.getString("environment_id"));
            }
        });
        List<String> notCompleted = last.values().stream().filter(i -> !"completed".equals(i.getString("status")))
                .map(i -> i.getString("id") + " " + i.getString("status") + " " + i.getJsonArray("errors", new JsonArray()))
                .collect(Collectors.toList());
        assertEquals(List.of(), notCompleted, "every agent task completed");
        assertEquals(List.of(), new ArrayList<>(unhealthy), "readiness answered 200 throughout the burst");
        assertTrue(probesAnswered[0] >= 10, "readiness was probed during the burst: " + probesAnswered[0]);
    }

    private CompletableFuture<HttpResponse<String>> post(HttpClient http, JsonObject body) {
        return http.sendAsync(HttpRequest.newBuilder(uri("/v1/interactions"))
                        .timeout(ANSWER_BOUND)
                        .header("content-type", "application/json")
                        .header(TestTenants.KEY_HEADER, TestTenants.DEFAULT_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create(base.toString().replaceAll("/$", "") + path);
    }
}
