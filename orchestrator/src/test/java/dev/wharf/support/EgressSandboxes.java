package dev.wharf.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.egress.EgressProxy;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/** What egress tests do to sandboxes: wait for the proxy, make an environment with a network, run a command. */
public final class EgressSandboxes {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private EgressSandboxes() {
    }

    /** Waits (bounded) until the proxy runs: it starts beside the application, not before it. */
    public static void awaitProxy(EgressProxy proxy) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (!proxy.isReady()) {
            assertTrue(Instant.now().isBefore(deadline), "the egress proxy did not become ready");
            pause(100);
        }
    }

    /** An environment with this {@code network} (and {@code env}, if not null); answers its id. */
    public static String environment(Supplier<RequestSpecification> api, Object network, Map<String, Object> env) {
        Map<String, Object> body = new HashMap<>(Map.of("network", network));
        if (env != null) {
            body.put("env", env);
        }
        return api.get().contentType(ContentType.JSON).body(body).post("/v1/environments").then().statusCode(200)
                .extract().path("id");
    }

    /** Runs {@code command} in the sandbox and answers the exec result. */
    public static JsonPath exec(Supplier<RequestSpecification> api, String environment, String command) {
        return api.get().contentType(ContentType.JSON).body(Map.of("command", command, "timeout_seconds", 120))
                .post("/v1/environments/" + environment + ":exec").then().statusCode(200).extract().jsonPath();
    }

    /** Runs {@code command}, which must succeed, and answers its stdout. */
    public static String out(Supplier<RequestSpecification> api, String environment, String command) {
        JsonPath result = exec(api, environment, command);
        assertEquals(0, result.getInt("exit_code"), () -> command + ": " + result.getString("stderr")
                + result.getString("stdout"));
        return result.getString("stdout");
    }

    public static String out(String environment, String command) {
        return out(() -> given(), environment, command);
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
