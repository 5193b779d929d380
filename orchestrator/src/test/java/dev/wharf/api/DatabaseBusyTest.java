package dev.wharf.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedReply;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When every connection of the main pool is taken (here: by the test itself), callers are told the plane is busy
 * (503 with Retry-After) and nothing half-made is left behind; key checks and readiness still answer on their own
 * pool; and work already running survives the squeeze and ends as its work did, not as "restarted".
 */
@QuarkusTest
@TestProfile(DatabaseBusyTest.TwoConnections.class)
class DatabaseBusyTest {
    private static final int POOL = 2;
    /** Shorter than the squeeze below, so the lease lapses in the database while its owner lives. */
    private static final Duration LEASE = Duration.ofSeconds(3);

    public static class TwoConnections implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.reactive.max-size", Integer.toString(POOL),
                    "wharf.database.acquire-timeout", "1s", "wharf.interactions.lease", LEASE.toSeconds() + "s");
        }
    }

    @Inject
    Pool pool;

    private final List<SqlConnection> held = new ArrayList<>();

    @AfterEach
    void release() {
        held.forEach(connection -> connection.closeAndAwait());
        held.clear();
        ScriptedModel.server().reset();
    }

    @Test
    void aBusyDatabaseIsAnsweredWith503AndNothingIsStored() {
        Tenants.Created erin = Tenants.create("busy-erin");
        takeEveryConnection();

        Response refused = erin.as().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/busy-model", "input", "hello")).post("/v1/interactions");
        assertEquals(503, refused.statusCode(), refused.asString());
        assertEquals("UNAVAILABLE", refused.jsonPath().getString("error.status"));
        assertEquals(503, refused.jsonPath().getInt("error.code"));
        assertTrue(refused.header("Retry-After") != null, "Retry-After tells the client when to try again");

        // Key checks and readiness have connections of their own.
        given().noFilters().header("x-goog-api-key", "wharf_notakey").get("/v1/interactions").then().statusCode(401);
        given().noFilters().get("/q/health/ready").then().statusCode(200);

        release();
        assertEquals(0, erin.as().get("/v1/interactions").then().statusCode(200).extract()
                .jsonPath().getList("interactions").size(), "the refused create left nothing behind");
    }

    @Test
    void runningWorkOutlastsASqueezeAndEndsAsItsWorkDid() throws Exception {
        ScriptedModel.server().reset().respondWith(request -> ScriptedReply.text("answered through the squeeze")
                .withDelay(1000));
        CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/busy-model", "input", "hold on")).post("/v1/interactions")
                .then().statusCode(200).extract().asString());
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ScriptedModel.server().requestCount() == 0 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        takeEveryConnection();
        // Longer than the lease: its renewals fail meanwhile, and so would a watchdog's look for orphans.
        Thread.sleep(LEASE.plusSeconds(2).toMillis());
        release();

        JsonObject answer = new JsonObject(call.get(60, TimeUnit.SECONDS));
        assertEquals("completed", answer.getString("status"), answer.encode());
        assertTrue(answer.getJsonArray("steps").encode().contains("answered through the squeeze"), answer.encode());
        // And it stays so: the watchdog, running again now, does not take it for an orphan.
        Thread.sleep(2000);
        assertEquals("completed", given().get("/v1/interactions/" + answer.getString("id")).then().statusCode(200)
                .extract().path("status"));
    }

    private void takeEveryConnection() {
        for (int i = 0; i < POOL; i++) {
            held.add(pool.getConnectionAndAwait());
        }
    }
}
