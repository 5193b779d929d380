package dev.wharf.budget;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.metering.SandboxIntervalReconciler;
import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestClock;
import dev.wharf.support.WebhookReceiver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Monthly budgets end to end: consumption driven deterministically by the scripted model's reported usage, alerts
 * delivered over HTTP to a receiver that checks their signatures, and the refusals and stops that follow.
 */
@QuarkusTest
class BudgetTest {
    static final String EVENT = "budget.threshold_reached";

    @Inject
    TestClock clock;
    @Inject
    SandboxIntervalReconciler meteringPass;

    ScriptedOpenAiServer model;
    WebhookReceiver receiver;

    @BeforeEach
    void setUp() throws Exception {
        model = ScriptedModel.server();
        model.reset();
        receiver = new WebhookReceiver(clock);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
    }

    static Map<String, Object> modelCall() {
        return Map.of("model", "openai/budgeted", "input", "hello");
    }

    void putBudget(String tenant, Map<String, Object> budget) {
        Tenants.admin().contentType(ContentType.JSON).body(budget).put("/admin/v1/tenants/" + tenant + "/budget")
                .then().statusCode(200);
    }

    @Test
    void thresholdsFireOnceEachAndThenNewWorkIsRefused() throws Exception {
        Tenants.Created tenant = Tenants.create("budget");
        receiver.secret(tenant.as().contentType(ContentType.JSON)
                .body(Map.of("uri", receiver.uri(), "subscribed_events", List.of(EVENT)))
                .post("/v1/webhooks").then().statusCode(200).extract().path("secret"));
        putBudget(tenant.id(), Map.of("tokens", 100));
        model.usage(30, 0, 0);

        // 30, 60, 90, 120 tokens: nothing, 50 %, 80 %, 100 %.
        int[] expectedAlerts = {0, 1, 2, 3};
        for (int call = 0; call < 4; call++) {
            model.reply("ok");
            tenant.as().contentType(ContentType.JSON).body(modelCall()).post("/v1/interactions").then()
                    .statusCode(200).body("status", equalTo("completed"));
            if (expectedAlerts[call] > 0) {
                receiver.await(expectedAlerts[call], d -> true);
            }
        }

        List<JsonObject> alerts = receiver.await(3, d -> true).stream().map(WebhookReceiver.Delivery::verifiedBody)
                .toList();
        assertEquals(List.of(50, 80, 100), alerts.stream()
                .map(a -> a.getJsonObject("data").getInteger("threshold_percent")).toList());
        assertEquals(List.of(60, 90, 120), alerts.stream()
                .map(a -> a.getJsonObject("data").getInteger("consumed")).toList());
        for (JsonObject alert : alerts) {
            assertEquals(EVENT, alert.getString("type"));
            JsonObject data = alert.getJsonObject("data");
            assertEquals(tenant.id(), data.getString("tenant_id"));
            assertEquals("tokens", data.getString("budget"));
            assertEquals(100, data.getInteger("limit"));
            assertEquals("tokens", data.getString("unit"));
            assertTrue(data.getString("period").matches("\\d{4}-\\d{2}"), data.encode());
        }

        String refusal = "monthly token budget of 100 tokens for tenant " + tenant.id() + " is used up";
        model.reply("never asked");
        tenant.as().contentType(ContentType.JSON).body(modelCall()).post("/v1/interactions").then()
                .statusCode(429).body("error.code", equalTo(429)).body("error.status", equalTo("RESOURCE_EXHAUSTED"))
                .body("error.message", containsString(refusal));
        tenant.as().contentType(ContentType.JSON).body(Map.of()).post("/v1beta/environments").then()
                .statusCode(429).body("error.message", containsString(refusal));
        assertEquals(4, model.requestCount(), "the refused interaction never reached the model");
        // Another tenant is not affected.
        model.reply("fine");
        given().contentType(ContentType.JSON).body(modelCall()).post("/v1/interactions").then().statusCode(200);

        Thread.sleep(1500);
        assertEquals(3, receiver.deliveries().size(), "each threshold fired exactly once");
        tenant.as().get("/v1/budget").then().statusCode(200)
                .body("tokens", equalTo(100))
                .body("consumed.tokens", equalTo(120))
                .body("exhausted", equalTo(true))
                .body("thresholds", equalTo(List.of(50, 80, 100)))
                .body("alerts.threshold", equalTo(List.of(50, 80, 100)));
        String metrics = Tenants.admin().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("wharf_budget_thresholds_reached_total{budget=\"tokens\",tenant=\"" + tenant.id()
                + "\",threshold=\"100\"} 1.0"), "threshold metric");
        assertTrue(metrics.contains("wharf_usage_tokens_total{kind=\"input\",model=\"openai/budgeted\",tenant=\""
                + tenant.id() + "\"} 120.0"), "token metric");

        // Raising the limit lets work in again. The next call takes the tenant from 60 % to 75 % of the new limit:
        // past 50 % again, which already fired this month and must not fire twice.
        putBudget(tenant.id(), Map.of("tokens", 200));
        model.reply("again");
        tenant.as().contentType(ContentType.JSON).body(modelCall()).post("/v1/interactions").then().statusCode(200);
        tenant.as().get("/v1/budget").then().statusCode(200).body("consumed.tokens", equalTo(150));
        Thread.sleep(3000); // three webhook poll intervals: a second alert would have been sent by now
        assertEquals(3, receiver.deliveries().size(), "no threshold fired twice in one period");
    }

    @Test
    void aCostBudgetIsNamedWithItsCurrency() throws Exception {
        Tenants.Created tenant = Tenants.create("cost");
        putBudget(tenant.id(), Map.of("cost", "0.0001", "thresholds", List.of(100)));
        model.usage(100, 0, 0).reply("a").reply("b");
        // 100 input tokens at 1.00 per million: 0.0001 each.
        tenant.as().contentType(ContentType.JSON).body(modelCall()).post("/v1/interactions").then()
                .statusCode(200).body("usage.x_cost", equalTo(0.0001f));
        assertError(tenant.as().contentType(ContentType.JSON).body(modelCall()).post("/v1/interactions").then(),
                429, "RESOURCE_EXHAUSTED");
        tenant.as().contentType(ContentType.JSON).body(modelCall()).post("/v1/interactions").then()
                .body("error.message", containsString("monthly cost budget of 0.0001 USD for tenant " + tenant.id()));
        Tenants.admin().get("/admin/v1/tenants/" + tenant.id() + "/budget").then().statusCode(200)
                .body("cost", equalTo(0.0001f)).body("currency", equalTo("USD"))
                .body("consumed.cost", equalTo(0.0001f)).body("alerts", hasSize(1));
    }

    @Test
    void aLongRunningAgentIsCaughtAtTheCheckpointAndStoppedWhenThePolicySaysSo() throws Throwable {
        Tenants.Created tenant = Tenants.create("stop");
        putBudget(tenant.id(), Map.of("sandbox_minutes", 0.05, "stop_running", true)); // 3 s of sandbox time
        model.usage(10, 0, 0)
                .replyToolCall("execute_code",
                        new JsonObject().put("language", "bash").put("code", "sleep 300").encode())
                .reply("never reached");
        String id;
        String[] environment = new String[1];
        id = tenant.as().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "Work for a long time", "background", true,
                        "agent_config", Map.of("type", "dynamic", "model", "openai/budgeted")))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        // The run creates its environment in the background: it must exist before the rows stop being owned.
        awaitTrue(() -> {
            environment[0] = tenant.as().get("/v1/interactions/" + id).then().extract().path("environment_id");
            return environment[0] != null && "1\n".equals(sleepers(tenant, environment[0]));
        }, "the agent's tool is running");
        Thread.sleep(3500);

        // The sandbox is still running: only the checkpoint brings its time to the ledger, and so to the budget.
        VertxContextSupport.subscribeAndAwait(() -> meteringPass.passOnce());

        awaitTrue(() -> "budget_exceeded".equals(tenant.as().get("/v1/interactions/" + id).then().extract()
                .path("status")), "the interaction is stopped");
        String usedUp = "monthly sandbox-minute budget of 0.05 minutes for tenant " + tenant.id() + " is used up";
        tenant.as().get("/v1/interactions/" + id).then()
                .body("errors[0].code", equalTo("budget_exceeded"))
                .body("errors[0].message", containsString(usedUp));
        // The run was stopped in its sandbox as cancel stops it: its tool's process is killed, and the model is
        // never asked for another turn.
        awaitTrue(() -> "0\n".equals(sleepers(tenant, environment[0])), "the sleeping tool is killed");
        Thread.sleep(1000);
        assertEquals(1, model.requestCount());
        tenant.as().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments").then()
                .statusCode(429).body("error.status", equalTo("RESOURCE_EXHAUSTED"))
                .body("error.message", containsString(usedUp));
        tenant.as().delete("/v1/environments/" + environment[0]).then().statusCode(200);
    }

    /** How many "sleep 300" processes run in the environment's sandbox, as exec's stdout. */
    static String sleepers(Tenants.Created tenant, String environment) {
        return tenant.as().contentType(ContentType.JSON).body(Map.of("command",
                        "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done"
                                + " | grep -c '^sleep 300' || true"))
                .post("/v1/environments/" + environment + ":exec").then().statusCode(200).extract().path("stdout");
    }

    @Test
    void theBudgetApiValidatesAndBelongsToTheAdmin() {
        Tenants.Created tenant = Tenants.create("api");
        Tenants.admin().get("/admin/v1/tenants/" + tenant.id() + "/budget").then().statusCode(200)
                .body("tokens", equalTo(null)).body("thresholds", equalTo(List.of(50, 80, 100)))
                .body("stop_running", equalTo(false)).body("exhausted", equalTo(false))
                .body("consumed.tokens", equalTo(0));
        Tenants.admin().contentType(ContentType.JSON)
                .body(Map.of("sandbox_minutes", 600, "tokens", "5000000", "thresholds", List.of(90, 75)))
                .put("/admin/v1/tenants/" + tenant.id() + "/budget").then().statusCode(200)
                .body("sandbox_minutes", equalTo(600)).body("tokens", equalTo(5000000))
                .body("thresholds", equalTo(List.of(75, 90))).body("cost", equalTo(null));
        for (Map<String, Object> bad : List.of(Map.<String, Object>of("tokens", -5), Map.<String, Object>of("cost", 0),
                Map.<String, Object>of("thresholds", List.of(0, 50)), Map.<String, Object>of("monthly_tokens", 5))) {
            assertError(Tenants.admin().contentType(ContentType.JSON).body(bad)
                    .put("/admin/v1/tenants/" + tenant.id() + "/budget").then(), 400, "INVALID_ARGUMENT");
        }
        assertError(Tenants.admin().get("/admin/v1/tenants/nobody-here/budget").then(), 404, "NOT_FOUND");
        assertError(Tenants.admin().contentType(ContentType.JSON).body(Map.of("tokens", 5))
                .put("/admin/v1/tenants/nobody-here/budget").then(), 404, "NOT_FOUND");
        assertError(tenant.as().contentType(ContentType.JSON).body(Map.of("tokens", 1))
                .put("/admin/v1/tenants/" + tenant.id() + "/budget").then(), 401, "UNAUTHENTICATED");
        tenant.as().get("/v1/budget").then().statusCode(200).body("tenant_id", equalTo(tenant.id()))
                .body("tokens", equalTo(5000000));
    }

    static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
