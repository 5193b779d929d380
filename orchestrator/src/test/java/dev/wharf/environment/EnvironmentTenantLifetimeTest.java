package dev.wharf.environment;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.sandbox.SandboxLabels;
import dev.wharf.support.Tenants;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.TestClock;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each tenant's idle TTL and maximum lifetime, reached by moving the clock: an idle environment expires after its
 * tenant's idle TTL; a sandbox expires at the end of its tenant's maximum lifetime however much it is used, even
 * while an interaction runs in it (which then ends incomplete at that moment); files are kept, and using the
 * environment again resumes it with a new lifetime.
 */
@QuarkusTest
@QuarkusTestResource(ScriptedModel.class)
class EnvironmentTenantLifetimeTest {
    @Inject
    EnvironmentReconciler reconciler;
    @Inject
    TestClock clock;
    @Inject
    DockerClient docker;

    ScriptedOpenAiServer model;

    @BeforeEach
    void reset() {
        model = ScriptedModel.server();
        model.reset();
    }

    void reconcile() throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcileOnce());
    }


    /** An environment of {@code tenant}, created with its key and so under its limits. */
    String environmentOf(Tenants.Created tenant) {
        String id = tenant.as().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments")
                .then().statusCode(200).body("status", equalTo("active")).extract().path("id");
        exec(tenant, id, "echo kept > kept.txt");
        return id;
    }

    static ValidatableResponse exec(Tenants.Created tenant, String environment, String command) {
        return tenant.as().contentType(ContentType.JSON).body(Map.of("command", command))
                .post("/v1/environments/" + environment + ":exec").then().statusCode(200).body("exit_code", equalTo(0));
    }

    static ValidatableResponse environment(Tenants.Created tenant, String id) {
        return tenant.as().get("/v1/environments/" + id).then().statusCode(200);
    }

    Duration untilExpiry(Tenants.Created tenant, String id) {
        return Duration.between(clock.instant(), Instant.parse(environment(tenant, id).extract().path("x_expires_at")));
    }

    String containerOf(String environmentId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(SandboxLabels.ENVIRONMENT, environmentId)).exec().get(0).getId();
    }

    @Test
    void eachTenantsIdleTtlDecidesWhenItsEnvironmentsExpire() throws Throwable {
        Tenants.Created brief = Tenants.create("idle-brief", Map.of("environment_idle_ttl_seconds", 120));
        Tenants.Created patient = Tenants.create("idle-patient", Map.of("environment_idle_ttl_seconds", 7200));
        String brieflyKept = environmentOf(brief);
        String longKept = environmentOf(patient);
        assertBetween(untilExpiry(brief, brieflyKept), Duration.ofSeconds(100), Duration.ofSeconds(121));
        assertBetween(untilExpiry(patient, longKept), Duration.ofSeconds(7100), Duration.ofSeconds(7201));

        clock.advance(Duration.ofMinutes(3));
        reconcile();

        environment(brief, brieflyKept).body("status", equalTo("expired"));
        environment(patient, longKept).body("status", equalTo("active"));
        brief.as().queryParam("alt", "media").get("/v1/environments/" + brieflyKept + "/files/kept.txt")
                .then().statusCode(200).body(equalTo("kept\n"));
        brief.as().delete("/v1/environments/" + brieflyKept).then().statusCode(200);
        patient.as().delete("/v1/environments/" + longKept).then().statusCode(200);
    }

    @Test
    void useDoesNotKeepASandboxPastItsMaximumLifetimeAndUsingItAgainResumesIt() throws Throwable {
        Tenants.Created tenant = Tenants.create("lifetime", Map.of("environment_idle_ttl_seconds", 7200,
                "environment_max_lifetime_seconds", 600));
        String id = environmentOf(tenant);
        String container = containerOf(id);
        assertBetween(untilExpiry(tenant, id), Duration.ofSeconds(560), Duration.ofSeconds(601));

        clock.advance(Duration.ofMinutes(5));
        exec(tenant, id, "echo more >> kept.txt");
        reconcile();
        // Used a moment ago, and idle TTL is two hours: still its expiry is the end of its lifetime.
        environment(tenant, id).body("status", equalTo("active"));
        assertBetween(untilExpiry(tenant, id), Duration.ofSeconds(260), Duration.ofSeconds(301));

        clock.advance(Duration.ofMinutes(5).plusSeconds(30));
        reconcile();
        environment(tenant, id).body("status", equalTo("expired"));
        assertThrows(NotFoundException.class, () -> docker.inspectContainerCmd(container).exec());

        // Files outlive the sandbox; using the environment resumes it, with a lifetime of its own.
        exec(tenant, id, "cat kept.txt").body("stdout", equalTo("kept\nmore\n"));
        environment(tenant, id).body("status", equalTo("active"));
        assertBetween(untilExpiry(tenant, id), Duration.ofSeconds(590), Duration.ofSeconds(601));
        tenant.as().delete("/v1/environments/" + id).then().statusCode(200);
    }

    @Test
    void aRunningInteractionKeepsItsEnvironmentFromIdlingButNotPastItsLifetime() throws Throwable {
        Tenants.Created tenant = Tenants.create("busy", Map.of("environment_idle_ttl_seconds", 60,
                "environment_max_lifetime_seconds", 600));
        String id = environmentOf(tenant);
        Instant created = Instant.parse(environment(tenant, id).extract().path("created"));
        model.replyToolCall("execute_code",
                        "{\"language\":\"bash\",\"code\":\"echo started > work.txt; sleep 300\"}")
                .reply("never reached");
        String interaction = tenant.as().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "long job", "background", true, "environment", id,
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model", "timeout_seconds", 3600)))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        JsonObject running = awaitInteraction(tenant, interaction, view -> view.getJsonArray("steps").stream()
                .anyMatch(step -> "code_execution_call".equals(((JsonObject) step).getString("type"))));
        // The run cannot outlive the sandbox: its deadline is the end of the sandbox's lifetime, not an hour away.
        Duration deadline = Duration.between(created, Instant.parse(running.getString("x_deadline")));
        assertBetween(deadline, Duration.ofSeconds(600), Duration.ofSeconds(660));

        clock.advance(Duration.ofMinutes(2));
        reconcile();
        // Idle for twice its idle TTL as far as API calls go, but a run is using it.
        environment(tenant, id).body("status", equalTo("active"));
        assertEquals("in_progress", tenant.as().get("/v1/interactions/" + interaction).then().extract().path("status"));

        clock.advance(Duration.ofMinutes(9));
        reconcile();
        environment(tenant, id).body("status", equalTo("expired"));
        JsonObject ended = awaitInteraction(tenant, interaction, view -> !"in_progress".equals(view.getString("status")));
        assertEquals("incomplete", ended.getString("status"));
        assertEquals("deadline_exceeded", ended.getJsonArray("errors").getJsonObject(0).getString("code"));
        tenant.as().queryParam("alt", "media").get("/v1/environments/" + id + "/files/work.txt")
                .then().statusCode(200).body(equalTo("started\n"));
        tenant.as().delete("/v1/environments/" + id).then().statusCode(200);
    }

    static JsonObject awaitInteraction(Tenants.Created tenant, String id, java.util.function.Predicate<JsonObject> done)
            throws InterruptedException {
        JsonObject view = null;
        for (int i = 0; i < 300; i++) {
            view = new JsonObject(tenant.as().get("/v1/interactions/" + id).then().statusCode(200).extract().asString());
            if (done.test(view)) {
                return view;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("interaction " + id + " did not get there: " + view);
    }

    static void assertBetween(Duration actual, Duration low, Duration high) {
        assertTrue(actual.compareTo(low) >= 0 && actual.compareTo(high) <= 0,
                actual + " is not between " + low + " and " + high);
    }
}
