package dev.wharf.tenant;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who may call Wharf, and that one tenant never sees another's data. */
@QuarkusTest
@QuarkusTestResource(TestTenants.class)
@QuarkusTestResource(ScriptedModel.class)
class TenantIsolationTest {
    private static final String KEY = TestTenants.KEY_HEADER;

    @Test
    void requestsWithoutAValidKeyAreRefusedInTheErrorEnvelope() {
        assertError(given().noFilters().get("/v1/environments").then(), 401, "UNAUTHENTICATED");
        given().noFilters().get("/v1/interactions").then().statusCode(401)
                .body("error.message", containsString("x-goog-api-key"));
        assertError(given().header(KEY, "wharf_made_up").get("/v1/environments").then(), 401, "UNAUTHENTICATED");
        // The contract's three places for the key all work.
        given().noFilters().header("Authorization", "Bearer " + TestTenants.DEFAULT_KEY).get("/v1/environments")
                .then().statusCode(200);
        given().noFilters().queryParam("key", TestTenants.DEFAULT_KEY).get("/v1beta/agents").then().statusCode(200);
        // Health stays open for probes (metrics need the admin key: MetricsAccessTest).
        given().noFilters().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void theAdminApiNeedsTheAdminKeyAndShowsKeysOnlyOnce() {
        assertError(given().noFilters().get("/admin/v1/tenants").then(), 401, "UNAUTHENTICATED");
        // A tenant's key is not an admin key.
        assertError(given().get("/admin/v1/tenants").then(), 401, "UNAUTHENTICATED");
        Tenants.Created tenant = Tenants.create("Team Keys");
        Tenants.admin().get("/admin/v1/tenants").then().statusCode(200)
                .body("tenants.id", hasItem(tenant.id()))
                .body("tenants.id", hasItem("default"));
        Tenants.admin().get("/admin/v1/tenants/" + tenant.id() + "/keys").then().statusCode(200)
                .body("keys[0].id", equalTo(tenant.keyId()))
                .body("keys[0].prefix", equalTo(tenant.key().substring(0, 12)))
                .body("keys[0].state", equalTo("active"))
                .body("keys[0].key", nullValue())
                .body(not(containsString(tenant.key())));
        assertError(Tenants.admin().get("/admin/v1/tenants/ten_missing").then(), 404, "NOT_FOUND");
        assertError(Tenants.admin().contentType(ContentType.JSON).body(Map.of("id", tenant.id()))
                .post("/admin/v1/tenants").then(), 400, "FAILED_PRECONDITION");
    }

    @Test
    void limitsAreValidatedAndCanReturnToTheDefault() {
        Tenants.Created tenant = Tenants.create("Team Limits");
        Tenants.admin().contentType(ContentType.JSON)
                .body(Map.of("limits", Map.of("max_concurrent_sandboxes", 3, "max_timeout_seconds", 600,
                        "retention_days", 30)))
                .patch("/admin/v1/tenants/" + tenant.id()).then().statusCode(200)
                .body("limits.max_concurrent_sandboxes", equalTo(3))
                .body("limits.max_timeout_seconds", equalTo(600))
                .body("limits.retention_days", equalTo(30));
        assertError(Tenants.admin().contentType(ContentType.JSON).body(Map.of("limits", Map.of("max_sandboxes", 3)))
                .patch("/admin/v1/tenants/" + tenant.id()).then(), 400, "INVALID_ARGUMENT");
        assertError(Tenants.admin().contentType(ContentType.JSON).body(Map.of("limits", Map.of("retention_days", 0)))
                .patch("/admin/v1/tenants/" + tenant.id()).then(), 400, "INVALID_ARGUMENT");
        assertError(Tenants.admin().contentType(ContentType.JSON).body(Map.of("limits", Map.of("default_timeout_seconds", 900)))
                .patch("/admin/v1/tenants/" + tenant.id()).then(), 400, "INVALID_ARGUMENT");
        // Nothing was half-applied by the refused changes; null returns a limit to the platform default.
        java.util.Map<String, Object> clear = new java.util.HashMap<>();
        clear.put("retention_days", null);
        Tenants.admin().contentType(ContentType.JSON).body(Map.of("limits", clear))
                .patch("/admin/v1/tenants/" + tenant.id()).then().statusCode(200)
                .body("limits.max_concurrent_sandboxes", equalTo(3))
                .body("limits.retention_days", nullValue());
    }

    @Test
    void aRevokedKeyStopsWorkingAtOnceWhileOtherKeysGoOn() {
        Tenants.Created tenant = Tenants.create("Team Revoke");
        String second = Tenants.admin().contentType(ContentType.JSON).body("{}")
                .post("/admin/v1/tenants/" + tenant.id() + "/keys").then().statusCode(200).extract().path("key");
        tenant.as().get("/v1/environments").then().statusCode(200);
        Tenants.admin().delete("/admin/v1/tenants/" + tenant.id() + "/keys/" + tenant.keyId()).then().statusCode(200)
                .body("state", equalTo("revoked"))
                .body("revoked", notNullValue());
        assertError(tenant.as().get("/v1/environments").then(), 401, "UNAUTHENTICATED");
        given().header(KEY, second).get("/v1/environments").then().statusCode(200);
        // Revoking again changes nothing.
        Tenants.admin().delete("/admin/v1/tenants/" + tenant.id() + "/keys/" + tenant.keyId()).then().statusCode(200)
                .body("state", equalTo("revoked"));
    }

    @Test
    void oneTenantNeverSeesAnothersData() {
        Tenants.Created alice = Tenants.create("Alice");
        Tenants.Created bob = Tenants.create("Bob");
        ScriptedModel.server().reset();
        ScriptedModel.server().reply("Hello Alice").reply("Hello Bob");

        String environment = alice.as().contentType(ContentType.JSON).body("{}").post("/v1/environments")
                .then().statusCode(200).extract().path("id");
        alice.as().contentType(ContentType.JSON).body(Map.of("command", "echo secret > notes.txt"))
                .post("/v1/environments/" + environment + ":exec").then().statusCode(200).body("exit_code", equalTo(0));
        String interaction = alice.as().contentType(ContentType.JSON)
                .header("Idempotency-Key", "same-key").body(Map.of("model", "openai/m", "input", "Hi"))
                .post("/v1/interactions").then().statusCode(200).body("status", equalTo("completed"))
                .extract().path("id");
        alice.as().contentType(ContentType.JSON).body(Map.of("id", "researcher", "system_instruction", "Alice's"))
                .post("/v1/agents").then().statusCode(200);
        String webhook = alice.as().contentType(ContentType.JSON)
                .body(Map.of("uri", "https://alice.example/hook", "subscribed_events", List.of("interaction.completed")))
                .post("/v1/webhooks").then().statusCode(200).extract().path("id");

        // Bob: every id of Alice's is unknown, and no list shows her things.
        assertError(bob.as().get("/v1/environments/" + environment).then(), 404, "NOT_FOUND");
        assertError(bob.as().contentType(ContentType.JSON).body(Map.of("command", "cat notes.txt"))
                .post("/v1/environments/" + environment + ":exec").then(), 404, "NOT_FOUND");
        assertError(bob.as().get("/v1/environments/" + environment + "/files/notes.txt").then(), 404, "NOT_FOUND");
        assertError(bob.as().queryParam("alt", "media").get("/v1/environments/" + environment + "/files/notes.txt")
                .then(), 404, "NOT_FOUND");
        assertError(bob.as().body("overwrite").put("/upload/v1/environments/" + environment + "/files/notes.txt")
                .then(), 404, "NOT_FOUND");
        assertError(bob.as().delete("/v1/environments/" + environment).then(), 404, "NOT_FOUND");
        bob.as().get("/v1/environments").then().statusCode(200).body("environments.id", not(hasItem(environment)));

        assertError(bob.as().get("/v1/interactions/" + interaction).then(), 404, "NOT_FOUND");
        assertError(bob.as().queryParam("stream", "true").get("/v1/interactions/" + interaction).then(), 404, "NOT_FOUND");
        assertError(bob.as().post("/v1/interactions/" + interaction + "/cancel").then(), 404, "NOT_FOUND");
        assertError(bob.as().delete("/v1/interactions/" + interaction).then(), 404, "NOT_FOUND");
        bob.as().get("/v1/interactions").then().statusCode(200).body("interactions.id", not(hasItem(interaction)));
        assertError(bob.as().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "Continue", "previous_interaction_id", interaction))
                .post("/v1/interactions").then(), 400, "INVALID_ARGUMENT");
        // The same idempotency key from another tenant is another request, not a replay of Alice's.
        String bobs = bob.as().contentType(ContentType.JSON).header("Idempotency-Key", "same-key")
                .body(Map.of("model", "openai/m", "input", "Hi")).post("/v1/interactions").then().statusCode(200)
                .body("steps[0].content[0].text", equalTo("Hello Bob")).extract().path("id");
        assertNotEquals(interaction, bobs);

        assertError(bob.as().get("/v1/agents/researcher").then(), 404, "NOT_FOUND");
        assertError(bob.as().delete("/v1/agents/researcher").then(), 404, "NOT_FOUND");
        bob.as().get("/v1/agents").then().statusCode(200).body("agents.id", not(hasItem("researcher")));
        // Agent ids are per tenant: Bob may save his own "researcher".
        bob.as().contentType(ContentType.JSON).body(Map.of("id", "researcher", "system_instruction", "Bob's"))
                .post("/v1/agents").then().statusCode(200);
        alice.as().get("/v1/agents/researcher").then().statusCode(200).body("system_instruction", equalTo("Alice's"));

        assertError(bob.as().get("/v1/webhooks/" + webhook).then(), 404, "NOT_FOUND");
        assertError(bob.as().get("/v1/webhooks/" + webhook + "/deliveries").then(), 404, "NOT_FOUND");
        assertError(bob.as().contentType(ContentType.JSON).body(Map.of("state", "disabled"))
                .patch("/v1/webhooks/" + webhook).then(), 404, "NOT_FOUND");
        assertError(bob.as().delete("/v1/webhooks/" + webhook).then(), 404, "NOT_FOUND");
        bob.as().get("/v1/webhooks").then().statusCode(200).body("webhooks.id", not(hasItem(webhook)));

        // Alice still has everything, untouched by Bob's attempts.
        String notes = alice.as().queryParam("alt", "media").get("/v1/environments/" + environment + "/files/notes.txt")
                .then().statusCode(200).extract().asString();
        assertEquals("secret\n", notes);
        alice.as().get("/v1/interactions/" + interaction).then().statusCode(200);
        alice.as().get("/v1/webhooks/" + webhook).then().statusCode(200).body("state", equalTo("enabled"));
        List<String> aliceEnvironments = alice.as().get("/v1/environments").then().statusCode(200)
                .extract().path("environments.id");
        assertTrue(aliceEnvironments.contains(environment));
        assertFalse(given().get("/v1/environments").then().extract().<List<String>>path("environments.id")
                .contains(environment), "the default tenant sees Alice's environment");
        alice.as().delete("/v1/environments/" + environment).then().statusCode(200);
    }
}
