package dev.wharf.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.model.ScriptedReply;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Agent interactions that hold their sandbox for as long as a test wants: the scripted model has the agent wait
 * for a file named {@code go} in its workspace, and the test writes that file (through the environments API) to
 * let the run finish. Model calls without tools get a plain answer. Each method can act as a given tenant (API
 * key); a null key is the default tenant's.
 */
public final class GatedAgents {
    public static final String GATE = "while [ ! -f go ]; do sleep 0.2; done; echo released";
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled", "incomplete",
            "budget_exceeded", "requires_action");

    /** Interactions the current test made (key, id), for {@link #cleanUp()}. */
    private static final java.util.List<String[]> MADE = new java.util.concurrent.CopyOnWriteArrayList<>();

    private GatedAgents() {
    }

    /** Remembers an interaction made some other way (a foreground or streamed create), for clean-up. */
    public static void track(String key, String id) {
        MADE.add(new String[] {key, id});
    }

    /** Scripts the shared model server: gate the agent until released, then finish. */
    public static void script(ScriptedOpenAiServer model) {
        model.reset();
        model.respondWith(request -> {
            JsonArray messages = request.getJsonArray("messages");
            JsonObject last = messages.getJsonObject(messages.size() - 1);
            if (request.getValue("tools") == null) {
                return ScriptedReply.text("a model answer, no sandbox needed");
            }
            if ("tool".equals(last.getString("role"))) {
                return ScriptedReply.text("released");
            }
            return ScriptedReply.toolCall("execute_code",
                    new JsonObject().put("language", "bash").put("code", GATE).encode());
        });
    }

    public static Map<String, Object> agentTask(String input, Object... extra) {
        Map<String, Object> body = new HashMap<>(Map.of("agent", "default", "input", input,
                "agent_config", Map.of("type", "dynamic", "model", "openai/queue-model")));
        for (int i = 0; i < extra.length; i += 2) {
            body.put((String) extra[i], extra[i + 1]);
        }
        return body;
    }

    public static RequestSpecification as(String key) {
        RequestSpecification request = given();
        return key == null ? request : request.header(TestTenants.KEY_HEADER, key);
    }

    /** Creates a background interaction and returns its id. */
    public static String start(String key, Map<String, Object> body) {
        String id = as(key).contentType(ContentType.JSON).body(body).post("/v1/interactions")
                .then().statusCode(200).extract().path("id");
        track(key, id);
        return id;
    }

    public static JsonObject get(String key, String id) {
        return new JsonObject(as(key).get("/v1/interactions/" + id).then().statusCode(200).extract().asString());
    }

    public static JsonObject awaitStatus(String key, String id, String status) {
        long until = System.nanoTime() + PATIENCE.toNanos();
        JsonObject now = get(key, id);
        while (!status.equals(now.getString("status"))) {
            if (System.nanoTime() > until || (ENDED.contains(now.getString("status")) && !ENDED.contains(status))) {
                fail("interaction " + id + " did not become " + status + ": " + now.encode());
            }
            pause(200);
            now = get(key, id);
        }
        return now;
    }

    /** Waits until the agent is running in its sandbox (admitted, environment up) and returns the interaction. */
    public static JsonObject awaitRunning(String key, String id) {
        long until = System.nanoTime() + PATIENCE.toNanos();
        JsonObject now = get(key, id);
        while (!"in_progress".equals(now.getString("status")) || now.getString("environment_id") == null) {
            if (System.nanoTime() > until || ENDED.contains(now.getString("status"))) {
                fail("interaction " + id + " did not start running: " + now.encode());
            }
            pause(200);
            now = get(key, id);
        }
        return now;
    }

    /** Lets a running gated agent finish, and waits until it has. */
    public static JsonObject release(String key, String id) {
        String environment = awaitRunning(key, id).getString("environment_id");
        as(key).contentType(ContentType.JSON).body(Map.of("command", "touch go"))
                .post("/v1/environments/" + environment + ":exec").then().statusCode(200);
        return awaitStatus(key, id, "completed");
    }

    /** Asserts the interaction stays queued for a while: longer than the dispatcher's poll interval. */
    public static void assertStaysQueued(String key, String id, Duration period) {
        long until = System.nanoTime() + period.toNanos();
        do {
            assertEquals("queued", get(key, id).getString("status"), "interaction " + id + " left the queue");
            pause(250);
        } while (System.nanoTime() < until);
    }

    /** Cancels what the test left unfinished and deletes the environments its interactions used. */
    public static void cleanUp() {
        for (String[] made : MADE) {
            as(made[0]).post("/v1/interactions/" + made[1] + "/cancel");
        }
        for (String[] made : MADE) {
            var response = as(made[0]).get("/v1/interactions/" + made[1]);
            String environment = response.statusCode() == 200 ? response.path("environment_id") : null;
            if (environment != null) {
                as(made[0]).delete("/v1/environments/" + environment);
            }
        }
        MADE.clear();
    }

    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
