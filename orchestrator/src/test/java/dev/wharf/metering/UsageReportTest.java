package dev.wharf.metering;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What callers see of metering over HTTP: x_cost and x_sandbox_seconds on interactions, service tiers priced as
 * configured, and usage reports by day, agent and model that stay within the caller's tenant.
 */
@QuarkusTest
class UsageReportTest {

    ScriptedOpenAiServer model;

    @BeforeEach
    void reset() {
        model = ScriptedModel.server();
        model.reset();
    }

    static BigDecimal number(Object value) {
        return new BigDecimal(value.toString());
    }

    static void assertAmount(String expected, Object actual) {
        assertEquals(0, new BigDecimal(expected).compareTo(number(actual)), expected + " vs " + actual);
    }

    String modelInteraction(io.restassured.specification.RequestSpecification as, String modelId, String tier) {
        Map<String, Object> body = new HashMap<>(Map.of("model", modelId, "input", "hello"));
        if (tier != null) {
            body.put("service_tier", tier);
        }
        model.reply("hi");
        return as.contentType(ContentType.JSON).body(body).post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed")).extract().path("id");
    }

    @Test
    void flexCostsHalfOfStandardAndPriorityMoreForTheSameWork() {
        model.usage(1000, 500, 100);
        Map<String, Object> costs = new HashMap<>();
        for (String tier : new String[] {"flex", "standard", "priority"}) {
            String id = modelInteraction(given(), "openai/tiered", tier);
            JsonPath interaction = given().get("/v1/interactions/" + id).then().statusCode(200)
                    .body("service_tier", equalTo(tier))
                    .body("usage.total_tokens", equalTo(1600))
                    .body("usage.x_sandbox_seconds", equalTo(0))
                    .extract().jsonPath();
            costs.put(tier, interaction.get("usage.x_cost"));
        }
        // (1000 x 1.00 + 600 x 4.00) per million: thoughts are billed as output.
        assertAmount("0.0034", costs.get("standard"));
        assertAmount("0.0017", costs.get("flex"));
        assertAmount("0.00595", costs.get("priority"));
        assertEquals(0, number(costs.get("standard"))
                .compareTo(number(costs.get("flex")).multiply(BigDecimal.valueOf(2))));
    }

    @Test
    void usageIsReportedByDayAgentAndModelForTheCallersTenantOnly() throws Exception {
        Tenants.Created tenant = Tenants.create("usage");
        Tenants.Created idle = Tenants.create("idle");
        String alpha = "openai/alpha-" + System.nanoTime();
        String beta = "openai/beta-" + System.nanoTime();
        String agentModel = "openai/agent-" + System.nanoTime();
        String environment;
        model.usage(1, 1, 0);
        modelInteraction(given(), alpha.replace("alpha", "default"), null);
        model.usage(100, 10, 0);
        modelInteraction(tenant.as(), alpha, null);
        model.usage(200, 20, 5);
        modelInteraction(tenant.as(), beta, "flex");
        model.usage(30, 3, 0);
        model.reply("Nothing to do.");
        environment = tenant.as().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "Relax",
                        "agent_config", Map.of("type", "dynamic", "model", agentModel)))
                .post("/v1/interactions").then().statusCode(200).body("status", equalTo("completed"))
                .extract().path("environment_id");

        JsonPath byModel = report(tenant, "model");
        assertEquals("USD", byModel.get("currency"));
        assertEquals(List.of(agentModel, alpha, beta), byModel.getList("rows.key").subList(0, 3));
        assertEquals(4, byModel.getList("rows").size(), "three models, and sandbox time (which has no model)");
        assertEquals(110, (int) byModel.get("rows.find { it.key == '" + alpha + "' }.total_tokens"));
        assertEquals(225, (int) byModel.get("rows.find { it.key == '" + beta + "' }.total_tokens"));
        assertEquals(5, (int) byModel.get("rows.find { it.key == '" + beta + "' }.thought_tokens"));
        assertAmount("0.00014", byModel.get("rows.find { it.key == '" + alpha + "' }.cost"));
        assertAmount("0.00015", byModel.get("rows.find { it.key == '" + beta + "' }.cost")); // flex: half
        assertEquals(0, (int) byModel.get("rows.find { it.key == null }.total_tokens"));
        assertTrue(number(byModel.get("rows.find { it.key == null }.sandbox_seconds")).signum() > 0);
        assertEquals(368, (int) byModel.get("total.total_tokens"));

        JsonPath byAgent = report(tenant, "agent");
        assertEquals(33, (int) byAgent.get("rows.find { it.key == 'default' }.total_tokens"));
        assertTrue(number(byAgent.get("rows.find { it.key == 'default' }.sandbox_seconds")).signum() > 0,
                "the agent's run is charged its sandbox time");
        assertEquals(335, (int) byAgent.get("rows.find { it.key == null }.total_tokens"), "model interactions");

        JsonPath byDay = report(tenant, "day");
        assertEquals(1, byDay.getList("rows").size());
        assertTrue(((String) byDay.get("rows[0].key")).matches("\\d{4}-\\d{2}-\\d{2}"));
        for (JsonPath grouped : List.of(byAgent, byDay)) {
            assertEquals((Object) byModel.get("total"), grouped.get("total"), "the same usage, however grouped");
        }

        // Nobody else's usage leaks in, in either direction.
        JsonPath empty = report(idle, "model");
        assertEquals(List.of(), empty.getList("rows"));
        assertEquals(0, (int) empty.get("total.total_tokens"));
        assertAmount("0", empty.get("total.cost"));
        given().queryParam("group_by", "model").get("/v1/usage").then().statusCode(200)
                .body("rows.key", not(hasItem(alpha))).body("rows.key", not(hasItem(agentModel)));

        // The admin sees every tenant, and each tenant's own figures.
        JsonPath byTenant = Tenants.admin().queryParam("group_by", "tenant").get("/admin/v1/usage").then()
                .statusCode(200).extract().jsonPath();
        assertEquals((Object) byModel.get("total"), byTenant.get("rows.find { it.key == '" + tenant.id() + "' }"
                + ".findAll { it.key != 'key' }"), "the tenant's row");
        assertTrue(byTenant.getList("rows.key").contains("default"));
        Tenants.admin().queryParam("tenant_id", tenant.id()).queryParam("group_by", "model").get("/admin/v1/usage")
                .then().statusCode(200).body("tenant_id", equalTo(tenant.id()))
                .body("rows", equalTo(byModel.getList("rows")));

        // A range that holds none of it.
        tenant.as().queryParam("from", "2020-01-01").queryParam("to", "2020-02-01").get("/v1/usage").then()
                .statusCode(200).body("rows.size()", equalTo(0)).body("from", equalTo("2020-01-01T00:00:00Z"));
        tenant.as().delete("/v1/environments/" + environment);
    }

    @Test
    void badParametersAreRefusedInTheErrorEnvelope() {
        assertError(given().queryParam("group_by", "week").get("/v1/usage").then(), 400, "INVALID_ARGUMENT");
        assertError(given().queryParam("group_by", "tenant").get("/v1/usage").then(), 400, "INVALID_ARGUMENT");
        assertError(given().queryParam("from", "last tuesday").get("/v1/usage").then(), 400, "INVALID_ARGUMENT");
        assertError(given().queryParam("from", "2026-07-02").queryParam("to", "2026-07-01").get("/v1/usage").then(),
                400, "INVALID_ARGUMENT");
        assertError(given().queryParam("from", "2999-01-01").get("/v1/usage").then(), 400, "INVALID_ARGUMENT");
        assertError(Tenants.admin().queryParam("group_by", "planet").get("/admin/v1/usage").then(), 400,
                "INVALID_ARGUMENT");
        assertError(given().get("/admin/v1/usage").then(), 401, "UNAUTHENTICATED");
        given().get("/v1beta/usage").then().statusCode(200).body("group_by", equalTo("day"));
    }

    JsonPath report(Tenants.Created tenant, String groupBy) {
        return tenant.as().queryParam("group_by", groupBy).get("/v1/usage").then().statusCode(200)
                .body("group_by", equalTo(groupBy)).extract().jsonPath();
    }
}
