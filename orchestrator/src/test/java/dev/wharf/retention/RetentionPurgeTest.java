package dev.wharf.retention;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.sun.net.httpserver.HttpServer;
import dev.wharf.support.Tenants;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.TestClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A purge with a moved clock removes exactly what is past each tenant's retention: interactions with their step logs
 * and webhook deliveries, delivery attempts of interactions deleted earlier, and environments with their sandboxes and
 * files; what is younger, or belongs to a tenant that keeps things longer, stays.
 */
@QuarkusTest
@QuarkusTestResource(ScriptedModel.class)
class RetentionPurgeTest {
    @Inject
    RetentionPurge purge;
    @Inject
    TestClock clock;
    @Inject
    Pool pool;
    @Inject
    DockerClient docker;
    @Inject
    MeterRegistry registry;

    HttpServer receiver;
    String hook;

    @BeforeEach
    void setUp() throws IOException {
        ScriptedModel.server().reset();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    @AfterEach
    void tearDown() {
        receiver.stop(0);
    }


    PurgeCounts purgeOnce() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> purge.purgeOnce());
    }

    /** A finished interaction of {@code tenant} whose completion was delivered to the test's webhook receiver. */
    String interaction(Tenants.Created tenant, String previous) throws InterruptedException {
        ScriptedModel.server().reply("noted");
        Map<String, Object> body = new HashMap<>(Map.of("model", "openai/test", "input", "remember this",
                "webhook_config", Map.of("uris", List.of(hook))));
        if (previous != null) {
            body.put("previous_interaction_id", previous);
        }
        String id = tenant.as().contentType(ContentType.JSON).body(body).post("/v1/interactions")
                .then().statusCode(200).body("status", equalTo("completed")).extract().path("id");
        for (int i = 0; i < 100 && count("SELECT count(*) FROM webhook_delivery WHERE interaction_id = $1"
                + " AND status = 'succeeded'", id) == 0; i++) {
            Thread.sleep(100);
        }
        assertEquals(1, count("SELECT count(*) FROM webhook_delivery WHERE interaction_id = $1", id));
        return id;
    }

    String environment(Tenants.Created tenant) {
        String id = tenant.as().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments")
                .then().statusCode(200).extract().path("id");
        tenant.as().contentType(ContentType.JSON).body(Map.of("command", "echo artifact > out.txt"))
                .post("/v1/environments/" + id + ":exec").then().statusCode(200);
        return id;
    }

    void sql(String statement, Object... args) {
        pool.preparedQuery(statement).execute(Tuple.from(args)).await().indefinitely();
    }

    long count(String query, Object... args) {
        return pool.preparedQuery(query).execute(Tuple.from(args)).await().indefinitely().iterator().next().getLong(0);
    }

    /** When the interaction's last ledger entry ended, by the database's clock (the ledger's own time). */
    java.time.Instant ledgerEnd(String interactionId) {
        return pool.preparedQuery("SELECT max(COALESCE(ended_at, occurred_at)) FROM usage_record WHERE interaction_id = $1")
                .execute(Tuple.of(interactionId)).await().indefinitely().iterator().next()
                .getOffsetDateTime(0).toInstant();
    }

    /** A request the egress proxy recorded for the environment at {@code time}. */
    void networkLogEntry(String environmentId, String host, java.time.Instant time) {
        sql("INSERT INTO network_log (environment_id, tenant_id, time, method, scheme, host, port, path, decision,"
                + " status) SELECT $1, tenant_id, $2, 'GET', 'https', $3, 443, '/', 'allowed', 200 FROM environment"
                + " WHERE id = $1", environmentId, time.atOffset(java.time.ZoneOffset.UTC), host);
    }

    double purged(String kind) {
        return registry.counter("wharf.retention.purged", "kind", kind).count();
    }

    void assertInteractionGone(Tenants.Created tenant, String id) {
        tenant.as().get("/v1/interactions/" + id).then().statusCode(404);
        assertEquals(0, count("SELECT count(*) FROM interaction_event WHERE interaction_id = $1", id));
        assertEquals(0, count("SELECT count(*) FROM webhook_delivery WHERE interaction_id = $1", id));
    }

    void assertInteractionKept(Tenants.Created tenant, String id) {
        tenant.as().get("/v1/interactions/" + id).then().statusCode(200).body("status", equalTo("completed"));
        assertEquals(1, count("SELECT count(*) FROM webhook_delivery WHERE interaction_id = $1", id));
    }

    void assertEnvironmentGone(Tenants.Created tenant, String id) {
        tenant.as().get("/v1/environments/" + id).then().statusCode(404);
        assertEquals(0, count("SELECT count(*) FROM environment WHERE id = $1", id));
        assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd("wharf-ws-" + id).exec());
    }

    /** Checked without using the environment: a download would be activity, and restart its retention. */
    void assertEnvironmentKept(Tenants.Created tenant, String id) {
        tenant.as().get("/v1/environments/" + id).then().statusCode(200).body("file_count", equalTo("1"));
        docker.inspectVolumeCmd("wharf-ws-" + id).exec();
    }

    @Test
    void purgeRemovesExactlyWhatIsPastEachTenantsRetention() throws Throwable {
        Tenants.Created brief = Tenants.create("keeps-two-days", Map.of("retention_days", 2));
        Tenants.Created patient = Tenants.create("keeps-five-days", Map.of("retention_days", 5));

        // Day 0.
        String briefOld = interaction(brief, null);
        long briefOldEvents = count("SELECT count(*) FROM interaction_event WHERE interaction_id = $1", briefOld);
        String briefDeleted = interaction(brief, null);
        brief.as().delete("/v1/interactions/" + briefDeleted).then().statusCode(200);
        String briefOldEnv = environment(brief);
        String patientOld = interaction(patient, null);
        String patientOldEnv = environment(patient);

        // Day 3: past the brief tenant's two days, within the patient one's five.
        clock.advance(Duration.ofDays(3));
        String briefRecent = interaction(brief, briefOld);
        String briefRecentEnv = environment(brief);
        String patientRecent = interaction(patient, null);
        String patientRecentEnv = environment(patient);
        double interactionsBefore = purged("interaction");
        double eventsBefore = purged("interaction_event");
        double deliveriesBefore = purged("webhook_delivery");
        double environmentsBefore = purged("environment");

        long briefOldUsage = count("SELECT count(*) FROM usage_record WHERE interaction_id = $1", briefOld);
        assertTrue(briefOldUsage > 0, "the model call was metered");
        double usageBefore = purged("usage_record");
        // A kept environment's network log loses the requests past its tenant's retention, not the recent ones.
        networkLogEntry(briefRecentEnv, "old.test", clock.instant().minus(Duration.ofDays(3)));
        networkLogEntry(briefRecentEnv, "recent.test", clock.instant());
        networkLogEntry(patientRecentEnv, "patient.test", clock.instant().minus(Duration.ofDays(3)));
        double networkLogBefore = purged("network_log_entry");
        // The ledger keeps the database's time, which the test clock does not move (and earlier test classes may
        // have moved the platform clock further): whether the patient tenant's entries are past its five days is
        // decided from their own timestamps.
        boolean patientUsagePast = ledgerEnd(patientOld).isBefore(clock.instant().minus(Duration.ofDays(5)));

        PurgeCounts first = purgeOnce();

        assertInteractionGone(brief, briefOld);
        assertEquals(0, count("SELECT count(*) FROM webhook_delivery WHERE interaction_id = $1", briefDeleted));
        assertEnvironmentGone(brief, briefOldEnv);
        assertInteractionKept(patient, patientOld);
        assertEnvironmentKept(patient, patientOldEnv);
        assertInteractionKept(brief, briefRecent);
        assertEnvironmentKept(brief, briefRecentEnv);
        assertInteractionKept(patient, patientRecent);
        assertEnvironmentKept(patient, patientRecentEnv);
        // Its billing records go with it; the other tenant's go only if they are past its own retention.
        assertEquals(0, count("SELECT count(*) FROM usage_record WHERE interaction_id = $1", briefOld));
        assertEquals(patientUsagePast,
                count("SELECT count(*) FROM usage_record WHERE interaction_id = $1", patientOld) == 0);
        assertTrue(first.usageRecords() >= briefOldUsage, first.toString());
        assertEquals(usageBefore + first.usageRecords(), purged("usage_record"));
        assertEquals(List.of("recent.test"), brief.as().get("/v1/environments/" + briefRecentEnv + "/network_log")
                .then().statusCode(200).extract().path("entries.host"));
        assertEquals(List.of("patient.test"), patient.as().get("/v1/environments/" + patientRecentEnv
                + "/network_log").then().statusCode(200).extract().path("entries.host"));
        assertTrue(first.networkLogEntries() >= 1, first.toString());
        assertEquals(networkLogBefore + first.networkLogEntries(), purged("network_log_entry"));
        // A conversation whose first turn was purged goes on from the turns that remain.
        interaction(brief, briefRecent);

        // This test's purged rows are counted, and the metrics agree with what the pass reports.
        assertTrue(first.interactions() >= 1 && first.environments() >= 1 && first.webhookDeliveries() >= 2
                && first.interactionEvents() >= briefOldEvents, first.toString());
        assertEquals(interactionsBefore + first.interactions(), purged("interaction"));
        assertEquals(eventsBefore + first.interactionEvents(), purged("interaction_event"));
        assertEquals(deliveriesBefore + first.webhookDeliveries(), purged("webhook_delivery"));
        assertEquals(environmentsBefore + first.environments(), purged("environment"));
        Tenants.admin().get("/q/metrics").then().statusCode(200)
                .body(containsString("wharf_retention_purged_total{kind=\"environment\"}"));

        // Day 5.5: now the brief tenant's day-3 things and the patient tenant's day-0 things are past retention.
        clock.advance(Duration.ofHours(60));
        purgeOnce();

        assertInteractionGone(brief, briefRecent);
        assertEnvironmentGone(brief, briefRecentEnv);
        assertInteractionGone(patient, patientOld);
        assertEnvironmentGone(patient, patientOldEnv);
        assertEquals(0, count("SELECT count(*) FROM usage_record WHERE interaction_id = $1", patientOld));
        assertInteractionKept(patient, patientRecent);
        assertEnvironmentKept(patient, patientRecentEnv);
        patient.as().queryParam("alt", "media").get("/v1/environments/" + patientRecentEnv + "/files/out.txt")
                .then().statusCode(200).body(equalTo("artifact\n"));
        patient.as().delete("/v1/environments/" + patientRecentEnv).then().statusCode(200);
    }
}
