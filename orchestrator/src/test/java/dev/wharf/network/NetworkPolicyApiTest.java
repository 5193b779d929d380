package dev.wharf.network;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wharf.support.Api;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Network policies through the API: what an allowlist may hold, credentials it and env may name, a tenant's
 * permission for "*", the shape an environment shows, changing a policy, and that a refused create leaves nothing.
 */
@QuarkusTest
@QuarkusTestResource(TestTenants.class)
class NetworkPolicyApiTest {

    private static RequestSpecification json() {
        return given().contentType(ContentType.JSON);
    }

    private static void credential(RequestSpecification as, Map<String, Object> body) {
        as.contentType(ContentType.JSON).body(body).post("/v1/credentials").then().statusCode(200);
    }

    private static int environmentCount() {
        return given().get("/v1/environments?page_size=1000").then().statusCode(200)
                .extract().path("environments.size()");
    }

    @Test
    void anAllowlistIsShownAsGivenAndCanBeChanged() {
        credential(given(), Map.of("id", "api-policy-bearer", "type", "bearer_token", "token", "t0ken"));
        String id = Api.createEnvironment(Map.of("network", Map.of("allowlist", List.of(
                Map.of("domain", "Shop.Test"),
                Map.of("domain", "api.test", "credential", "api-policy-bearer",
                        "transform", Map.of("X-Api-Version", "2"))))));
        try {
            given().get("/v1/environments/" + id).then().statusCode(200)
                    .body("network.allowlist[0].domain", equalTo("shop.test"))
                    .body("network.allowlist[1].credential", equalTo("api-policy-bearer"))
                    .body("network.allowlist[1].transform[0].X-Api-Version", equalTo("2"));
            json().body(Map.of("network", "disabled")).patch("/v1/environments/" + id + "?update_mask=network")
                    .then().statusCode(200).body("network", equalTo("disabled"));
            json().body(Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "*.docs.test")))))
                    .patch("/v1beta/environments/" + id).then().statusCode(200)
                    .body("network.allowlist[0].domain", equalTo("*.docs.test"));
            assertError(json().body(Map.of("sources", List.of())).patch("/v1/environments/" + id).then(),
                    400, "INVALID_ARGUMENT");
            assertError(json().body(Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "a.*.test")))))
                    .patch("/v1/environments/" + id).then(), 400, "INVALID_ARGUMENT");
            given().get("/v1/environments/" + id).then().body("network.allowlist[0].domain", equalTo("*.docs.test"));
        } finally {
            Api.deleteEnvironment(id);
        }
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndCreatesNothing() {
        credential(given(), Map.of("id", "api-policy-bearer2", "type", "bearer_token", "token", "t0ken"));
        credential(given(), Map.of("id", "api-policy-revoked", "type", "environment_variable", "value", "v",
                "injection_location", "header"));
        json().body(Map.of("status", "revoked")).patch("/v1/credentials/api-policy-revoked?update_mask=status")
                .then().statusCode(200);
        Tenants.Created other = Tenants.create("network-policy-other");
        credential(other.as(), Map.of("id", "api-policy-theirs", "type", "environment_variable", "value", "v",
                "injection_location", "header"));
        int before = environmentCount();
        Map<Object, String> cases = Map.of(
                Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "http://a.test")))),
                "network.allowlist[0].domain",
                Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "a.test", "credential", "nope")))),
                "network.allowlist[0].credential: there is no credential nope",
                Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "a.test",
                        "credential", "api-policy-theirs")))),
                "network.allowlist[0].credential: there is no credential api-policy-theirs",
                Map.of("env", Map.of("TOKEN", Map.of("credential", "api-policy-revoked"))),
                "env.TOKEN.credential: credential api-policy-revoked is revoked",
                Map.of("env", Map.of("TOKEN", Map.of("credential", "api-policy-bearer2"))),
                "env.TOKEN.credential: credential api-policy-bearer2 is a bearer_token",
                Map.of("env", Map.of("TOKEN", Map.of("value", "a", "credential", "api-policy-bearer2"))),
                "env.TOKEN must have exactly one of value or credential",
                Map.of("env", Map.of("TOKEN", 5)),
                "env.TOKEN must be a string");
        cases.forEach((body, message) -> {
            var response = json().body(body).post("/v1/environments").then();
            assertError(response, 400, "INVALID_ARGUMENT");
            response.body("error.message", startsWith(message));
        });
        // The same checks guard an agent interaction's inline environment, before the interaction is accepted.
        var inline = json().body(Map.of("agent", "default", "background", true, "input", "hi",
                        "environment", Map.of("type", "remote", "env", Map.of("T", Map.of("credential", "nope")))))
                .post("/v1/interactions").then();
        assertError(inline, 400, "INVALID_ARGUMENT");
        inline.body("error.message", startsWith("environment.env.T.credential: there is no credential nope"));
        assertEquals(before, environmentCount(), "a refused create leaves no environment behind");
    }

    @Test
    void aTenantCanBeForbiddenToAllowEveryHost() {
        Tenants.Created tenant = Tenants.create("network-policy-any", Map.of("egress_allow_any_host", false));
        var refused = tenant.as().contentType(ContentType.JSON)
                .body(Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "a.test"), Map.of("domain", "*")))))
                .post("/v1/environments").then();
        assertError(refused, 400, "INVALID_ARGUMENT");
        refused.body("error.message", containsString("network.allowlist[1].domain cannot be *"));
        Tenants.setLimits(tenant.id(), Map.of("egress_allow_any_host", true));
        String id = tenant.as().contentType(ContentType.JSON)
                .body(Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "*")))))
                .post("/v1/environments").then().statusCode(200).extract().path("id");
        tenant.as().delete("/v1/environments/" + id).then().statusCode(200);
        Tenants.admin().get("/admin/v1/tenants/" + tenant.id()).then()
                .body("limits.egress_allow_any_host", equalTo(true));
    }
}
