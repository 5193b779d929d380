package dev.wharf;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.wharf.environment.EnvironmentReconciler;
import dev.wharf.support.Api;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What operators and SDKs rely on beyond the resources themselves: paths, errors, health, metrics, OpenAPI. */
@QuarkusTest
@QuarkusTestResource(TestTenants.class)
class PlatformEndpointsTest {
    @Inject
    EnvironmentReconciler reconciler;

    @Test
    void everyRouteAnswersUnderBothVersionsWithPrefixesAndTrailingSlashes() {
        String first = Api.createEnvironment();
        String second = Api.createEnvironment();
        given().get("/v1beta/environments/" + first).then().statusCode(200).body("id", equalTo(first));
        given().get("/v1/environments/" + first + "/").then().statusCode(200).body("id", equalTo(first));
        given().get("/some/gateway/v1/environments").then().statusCode(200).body("environments.id", hasItem(first));

        String token = given().queryParam("page_size", 1).get("/v1/environments")
                .then().statusCode(200).body("environments.size()", equalTo(1))
                .body("environments[0].id", equalTo(second))
                .body("next_page_token", notNullValue())
                .extract().path("next_page_token");
        String next = given().queryParam("page_size", 1).queryParam("page_token", token).get("/v1/environments")
                .then().statusCode(200).extract().path("environments[0].id");
        assertNotEquals(second, next);
        assertError(given().queryParam("page_token", "garbage!").get("/v1/environments").then(), 400, "INVALID_ARGUMENT");

        Api.deleteEnvironment(first);
        Api.deleteEnvironment(second);
    }

    @Test
    void environmentShowsTheContractFields() {
        String id = Api.createEnvironment();
        Api.execOk(id, "printf 12345 > a.txt && mkdir -p d && printf 1 > d/b.txt");
        given().get("/v1/environments/" + id).then().statusCode(200)
                .body("status", equalTo("active"))
                .body("created", notNullValue())
                .body("updated", notNullValue())
                .body("last_accessed", notNullValue())
                .body("file_count", equalTo("2"))
                .body("size_bytes", equalTo("6"))
                .body("network", equalTo("disabled"))
                .body("$", not(org.hamcrest.Matchers.hasKey("sandbox_token")));
        Api.deleteEnvironment(id);
    }

    @Test
    void badInputGetsTheErrorEnvelope() {
        assertError(given().contentType(ContentType.JSON).body(Map.of("network", Map.of("allowlist",
                        java.util.List.of(Map.of("domain", "https://shop.test")))))
                .post("/v1/environments").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON).body(Map.of("env", Map.of("1BAD", "x")))
                .post("/v1/environments").then(), 400, "INVALID_ARGUMENT");
        assertError(given().contentType(ContentType.JSON).body(Map.of("sources", java.util.List.of(Map.of("type", "gcs"))))
                .post("/v1/environments").then(), 400, "INVALID_ARGUMENT");
        assertError(given().get("/v1/nothing-here").then(), 404, "NOT_FOUND");
        assertError(given().contentType(ContentType.JSON).body("{}").post("/v1/environments/env_x:explode").then(),
                404, "NOT_FOUND");
        given().get("/v1/environments/env_missing").then().statusCode(404)
                .body("error.message", containsString("env_missing"))
                .body(not(containsString("Exception")));
    }

    @Test
    void readinessReportsDatabaseAndDocker() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("docker"))
                .body("checks.find { it.name == 'docker' }.data.image", notNullValue())
                .body("checks.name", hasItem(containsString("PostgreSQL")));
    }

    @Test
    void metricsExposeSandboxCountsAndCreateLatency() throws Throwable {
        String id = Api.createEnvironment();
        VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcileOnce());
        String metrics = Tenants.admin().get("/q/metrics").then().statusCode(200).extract().asString();
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("wharf_sandbox_create_seconds_count{outcome=\"success\""), "create latency");
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("wharf_sandbox_create_seconds_bucket"), "histogram for percentiles");
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("wharf_environments{status=\"active\"}"), "environments by status");
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("wharf_sandboxes_running"), "running sandboxes");
        Api.deleteEnvironment(id);
    }

    @Test
    void openApiDescribesTheEnvironmentsApi() {
        given().get("/q/openapi").then().statusCode(200)
                .body(containsString("/{version}/environments"))
                .body(containsString("Run a command in the environment"))
                .body(containsString("/v1/interactions/{id}/cancel"))
                .body(containsString("Save a custom agent"))
                .body(containsString("/admin/v1/tenants/{id}/keys"))
                .body(containsString("Delete a tenant"))
                .body(containsString("x-goog-api-key"));
    }
}
