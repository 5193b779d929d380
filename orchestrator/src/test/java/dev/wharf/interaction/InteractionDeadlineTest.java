package dev.wharf.interaction;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.support.Tenants;
import dev.wharf.support.ScriptedModel;
import dev.wharf.tenant.Tenant;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Interaction timeouts: resolved from the request, the saved agent, the tenant and the platform; capped, not
 * refused; shown as x_timeout_seconds and x_deadline; and enforced at the persisted deadline with the files kept.
 *
 * <p>The tests act as tenant {@code default} and set its limits through the admin API (clearing them afterwards).
 */
@QuarkusTest
@QuarkusTestResource(ScriptedModel.class)
class InteractionDeadlineTest {
    ScriptedOpenAiServer model;

    @BeforeEach
    void reset() {
        model = ScriptedModel.server();
        model.reset();
        Tenants.clearLimits(Tenant.DEFAULT_ID);
    }

    @AfterEach
    void clearLimits() {
        Tenants.clearLimits(Tenant.DEFAULT_ID);
    }

    static Map<String, Object> modelCall(Object timeoutSeconds) {
        Map<String, Object> config = new HashMap<>(Map.of("type", "dynamic"));
        if (timeoutSeconds != null) {
            config.put("timeout_seconds", timeoutSeconds);
        }
        return Map.of("model", "openai/test", "input", "hi", "agent_config", config);
    }

    static ExtractableResponse<Response> create(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/interactions")
                .then().statusCode(200).extract();
    }

    @Test
    void taskAboveTheTenantMaximumRunsWithTheCapAndEndsIncompleteAtItsDeadlineKeepingItsFiles() {
        Tenants.setLimits(Tenant.DEFAULT_ID, Map.of("max_timeout_seconds", 6));
        model.replyToolCall("execute_code",
                "{\"language\":\"bash\",\"code\":\"echo partial > progress.txt; sleep 120\"}");

        ExtractableResponse<Response> done = given().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "slow work",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model", "timeout_seconds", 3600)))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("incomplete"))
                .body("errors", hasSize(1))
                .body("errors[0].code", equalTo("deadline_exceeded"))
                .body("agent_config.timeout_seconds", equalTo(3600))
                .body("x_timeout_seconds", equalTo(6))
                .extract();

        Instant created = Instant.parse(done.path("created"));
        Instant ended = Instant.parse(done.path("updated"));
        // The timeout counts from admission out of the queue, a moment after creation.
        Duration admissionDelay = Duration.between(created.plusSeconds(6), Instant.parse(done.path("x_deadline")));
        assertTrue(!admissionDelay.isNegative() && admissionDelay.compareTo(Duration.ofSeconds(5)) < 0,
                "deadline " + done.path("x_deadline") + " for a task created at " + created);
        // It ended at its deadline, not when its command would have finished.
        assertTrue(!ended.isBefore(created.plusSeconds(6)) && ended.isBefore(created.plusSeconds(100)),
                "ended " + Duration.between(created, ended) + " after it was created");

        // Billed for the sandbox time its run used up to the deadline, and not a second past it.
        double metered = Double.parseDouble(done.path("usage.x_sandbox_seconds").toString());
        assertTrue(metered <= 6 + 1 && metered >= 6 - 3, "metered " + metered + " s for a 6 s timeout");

        String environment = done.path("environment_id");
        given().queryParam("alt", "media").get("/v1/environments/" + environment + "/files/progress.txt")
                .then().statusCode(200).body(equalTo("partial\n"));
        // The run was stopped: nothing of it is left running in the sandbox.
        given().contentType(ContentType.JSON).body(Map.of("command", "pgrep -x sleep || echo none"))
                .post("/v1/environments/" + environment + ":exec").then().statusCode(200)
                .body("stdout", equalTo("none\n"));
        given().get("/v1/interactions/" + done.path("id")).then().statusCode(200)
                .body("status", equalTo("incomplete")).body("x_timeout_seconds", equalTo(6));
    }

    @Test
    void theTenantsDefaultAndMaximumApplyAndARequestAboveTheMaximumIsCappedNotRefused() {
        Tenants.setLimits(Tenant.DEFAULT_ID, Map.of("default_timeout_seconds", 45, "max_timeout_seconds", 90));
        model.reply("one").reply("two").reply("three");

        create(modelCall(null)).response().then().body("status", equalTo("completed"))
                .body("x_timeout_seconds", equalTo(45));
        ExtractableResponse<Response> capped = create(modelCall(3600));
        assertEquals(90, (int) capped.path("x_timeout_seconds"));
        assertEquals(Instant.parse(capped.path("created")).plusSeconds(90), Instant.parse(capped.path("x_deadline")));
        assertEquals(30, (int) create(modelCall(30)).path("x_timeout_seconds"));
    }

    @Test
    void withoutTenantLimitsThePlatformDefaultAndMaximumApply() {
        model.reply("one").reply("two").reply("three");
        assertEquals(30 * 60, (int) create(modelCall(null)).path("x_timeout_seconds"));
        assertEquals(24 * 3600, (int) create(modelCall(1_000_000)).path("x_timeout_seconds"));
        assertEquals(2.5f, (float) create(modelCall("2.5")).path("x_timeout_seconds"));
        for (Object bad : List.of(0, -1, "soon")) {
            assertError(given().contentType(ContentType.JSON).body(modelCall(bad)).post("/v1/interactions").then(),
                    400, "INVALID_ARGUMENT");
        }
    }

    @Test
    void aSavedAgentsTimeoutIsItsDefaultAndItsCap() {
        String name = "quick-" + System.nanoTime();
        given().contentType(ContentType.JSON).body(Map.of("id", name, "agent_config", Map.of("type", "dynamic",
                        "model", "openai/agent-model", "timeout_seconds", 20)))
                .post("/v1/agents").then().statusCode(200);
        Tenants.setLimits(Tenant.DEFAULT_ID, Map.of("default_timeout_seconds", 45));
        model.reply("done").reply("done again");
        try {
            // The tenant's default comes first, but the agent's own timeout caps it.
            given().contentType(ContentType.JSON).body(Map.of("agent", name, "input", "go"))
                    .post("/v1/interactions").then().statusCode(200)
                    .body("status", equalTo("completed")).body("x_timeout_seconds", equalTo(20));
            given().contentType(ContentType.JSON).body(Map.of("agent", name, "input", "go",
                            "agent_config", Map.of("type", "dynamic", "timeout_seconds", 600)))
                    .post("/v1/interactions").then().statusCode(200)
                    .body("status", equalTo("completed")).body("x_timeout_seconds", equalTo(20));
        } finally {
            given().delete("/v1/agents/" + name).then().statusCode(200);
        }
    }
}
