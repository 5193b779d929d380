package dev.wharf.tenancy;

import static dev.wharf.support.GatedAgents.agentTask;
import static dev.wharf.support.GatedAgents.awaitRunning;
import static dev.wharf.support.GatedAgents.start;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.support.GatedAgents;
import dev.wharf.support.Api;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestTenants;
import dev.wharf.tenant.Tenant;
import dev.wharf.tenant.TenantService;
import io.quarkus.vertx.VertxContextSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting a tenant, against real sandboxes: its keys stop working at once, its running agent ends cancelled and
 * its sandboxes and files are gone, its usage records stay for billing, and nobody else is touched.
 */
@QuarkusTest
@QuarkusTestResource(TestTenants.class)
@QuarkusTestResource(ScriptedModel.class)
class TenantDeleteTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Inject
    DockerClient docker;
    @Inject
    Pool pool;
    @Inject
    EndedInteractions ended;
    @Inject
    TenantService tenants;
    @Inject
    TenantDeletion deletion;

    @BeforeEach
    void script() {
        GatedAgents.script(ScriptedModel.server());
    }

    @AfterEach
    void cleanUp() {
        GatedAgents.cleanUp();
    }

    @Test
    void deletingATenantEndsItsWorkRemovesItsSandboxesAndFilesAndKeepsItsUsage() {
        Tenants.Created doomed = Tenants.create("doomed");
        Tenants.Created bystander = Tenants.create("bystander");

        // Usage on record: a model call's tokens, then an agent holding its sandbox.
        doomed.as().contentType(ContentType.JSON).body(Map.of("model", "openai/queue-model", "input", "hello"))
                .post("/v1/interactions").then().statusCode(200).body("status", equalTo("completed"));
        String running = start(doomed.key(), agentTask("hold the sandbox", "background", true));
        String runEnvironment = awaitRunning(doomed.key(), running).getString("environment_id");
        String standalone = environmentWithFile(doomed);
        doomed.as().contentType(ContentType.JSON).body(Map.of("id", "doomed-agent", "description", "to be deleted"))
                .post("/v1/agents").then().statusCode(200);
        doomed.as().contentType(ContentType.JSON).body(Map.of("uri", "http://127.0.0.1:9/hook",
                "subscribed_events", List.of("interaction.completed"))).post("/v1/webhooks").then().statusCode(200);
        doomed.as().contentType(ContentType.JSON).body(Map.of("type", "bearer_token", "id", "doomed-token",
                "token", "doomed-secret")).post("/v1/credentials").then().statusCode(200);
        String bystanders = environmentWithFile(bystander);
        long ledgerBefore = count("SELECT count(*) FROM usage_record WHERE tenant_id = $1", doomed.id());
        assertTrue(ledgerBefore > 0, "the model call's tokens are on the ledger");
        List<String> volumes = List.of("wharf-ws-" + runEnvironment, "wharf-ws-" + standalone);
        volumes.forEach(volume -> docker.inspectVolumeCmd(volume).exec());

        Tenants.admin().delete("/admin/v1/tenants/" + doomed.id()).then().statusCode(200).body("$", anEmptyMap());

        // At once: the key is refused, and the tenant is unknown to the admin API.
        Api.assertError(doomed.as().get("/v1/interactions").then()
                .body("error.message", containsString("revoked")), 401, "UNAUTHENTICATED");
        Api.assertError(Tenants.admin().get("/admin/v1/tenants/" + doomed.id()).then(), 404, "NOT_FOUND");
        Tenants.admin().get("/admin/v1/tenants").then().statusCode(200)
                .body("tenants.id", not(hasItem(doomed.id()))).body("tenants.id", hasItem(bystander.id()));

        // Its agent run was cancelled, not left to fail, and no container or volume of it is left.
        awaitTrue(() -> ended.of(running) != null, "the agent interaction ended");
        assertEquals(InteractionStatus.CANCELLED, ended.of(running));
        for (String environment : List.of(runEnvironment, standalone)) {
            assertEquals(List.of(), docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of("dev.wharf.environment", environment)).exec(), environment);
        }
        volumes.forEach(volume -> assertThrows(NotFoundException.class,
                () -> docker.inspectVolumeCmd(volume).exec(), volume));
        for (String table : List.of("interaction", "environment", "agent", "webhook", "webhook_delivery",
                "credential")) {
            assertEquals(0, count("SELECT count(*) FROM " + table + " WHERE tenant_id = $1", doomed.id()), table);
        }

        // Its usage stays for billing: every record, plus the sandbox time its removed containers had run.
        long ledgerAfter = count("SELECT count(*) FROM usage_record WHERE tenant_id = $1", doomed.id());
        assertTrue(ledgerAfter >= ledgerBefore, ledgerAfter + " usage records after, " + ledgerBefore + " before");
        assertTrue(count("SELECT count(*) FROM usage_record WHERE tenant_id = $1 AND environment_id = $2"
                + " AND kind = 'sandbox'", doomed.id(), runEnvironment) > 0, "the agent's sandbox time is billed");
        assertTrue(count("SELECT count(*) FROM usage_month WHERE tenant_id = $1", doomed.id()) > 0);
        int reported = Tenants.admin().get("/admin/v1/usage?tenant_id=" + doomed.id()).then().statusCode(200)
                .extract().path("total.total_tokens");
        assertTrue(reported > 0, "the admin usage report still shows the deleted tenant's tokens");

        // Another tenant is untouched.
        bystander.as().get("/v1/environments/" + bystanders).then().statusCode(200).body("status", equalTo("active"));
        bystander.as().queryParam("alt", "media").get("/v1/environments/" + bystanders + "/files/kept.txt").then().statusCode(200)
                .body(equalTo("kept\n"));

        // Deleting again: the tenant is unknown now. Its id is never handed out again.
        Api.assertError(Tenants.admin().delete("/admin/v1/tenants/" + doomed.id()).then(), 404, "NOT_FOUND");
        Api.assertError(Tenants.admin().contentType(ContentType.JSON).body(Map.of("id", doomed.id()))
                .post("/admin/v1/tenants").then().body("error.message", containsString("never reused")),
                400, "FAILED_PRECONDITION");
        bystander.as().delete("/v1/environments/" + bystanders).then().statusCode(200);
    }

    @Test
    void theDefaultTenantCannotBeDeletedAndAnUnknownOneIsNotFound() {
        Api.assertError(Tenants.admin().delete("/admin/v1/tenants/" + Tenant.DEFAULT_ID).then()
                .body("error.message", containsString("default tenant cannot be deleted")), 400, "FAILED_PRECONDITION");
        io.restassured.RestAssured.given().get("/v1/interactions").then().statusCode(200);
        Api.assertError(Tenants.admin().delete("/admin/v1/tenants/no-such-tenant").then(), 404, "NOT_FOUND");
        Api.assertError(Tenants.admin().delete("/admin/v1/tenants/Not%20An%20Id").then(), 404, "NOT_FOUND");
        Api.assertError(io.restassured.RestAssured.given().delete("/admin/v1/tenants/no-such-tenant").then(),
                401, "UNAUTHENTICATED");
    }

    @Test
    void aDeletionInterruptedAfterItsFirstStepIsFinishedByTheSweepAndByDeletingAgain() throws Throwable {
        Tenants.Created crashed = Tenants.create("crashed");
        Tenants.Created retried = Tenants.create("retried");
        String crashedEnvironment = environmentWithFile(crashed);
        String retriedEnvironment = environmentWithFile(retried);

        // Only the first, committed step ran (as if the control plane died right after it).
        for (Tenants.Created tenant : List.of(crashed, retried)) {
            assertTrue(VertxContextSupport.subscribeAndAwait(() -> tenants.beginDeletion(tenant.id())));
            Api.assertError(tenant.as().get("/v1/environments").then(), 401, "UNAUTHENTICATED");
            Api.assertError(Tenants.admin().get("/admin/v1/tenants/" + tenant.id()).then(), 404, "NOT_FOUND");
        }
        assertEquals(1, containers(crashedEnvironment), "nothing was cleaned up yet");

        // Deleting again finishes the job rather than answering 404; the sweep finishes the other.
        Tenants.admin().delete("/admin/v1/tenants/" + retried.id()).then().statusCode(200);
        assertEquals(0, containers(retriedEnvironment));
        assertTrue(VertxContextSupport.subscribeAndAwait(() -> deletion.sweepOnce()) >= 1);
        assertEquals(0, containers(crashedEnvironment));
        assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd("wharf-ws-" + crashedEnvironment).exec());
        for (Tenants.Created tenant : List.of(crashed, retried)) {
            assertEquals(0, count("SELECT count(*) FROM environment WHERE tenant_id = $1", tenant.id()));
            assertEquals(1, count("SELECT count(*) FROM tenant WHERE id = $1 AND state = 'deleted'", tenant.id()));
            Api.assertError(Tenants.admin().delete("/admin/v1/tenants/" + tenant.id()).then(), 404, "NOT_FOUND");
        }
    }

    private int containers(String environment) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("dev.wharf.environment", environment)).exec().size();
    }

    private String environmentWithFile(Tenants.Created tenant) {
        String id = tenant.as().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments").then()
                .statusCode(200).body("status", equalTo("active")).extract().path("id");
        tenant.as().contentType(ContentType.JSON).body(Map.of("command", "echo kept > kept.txt"))
                .post("/v1/environments/" + id + ":exec").then().statusCode(200).body("exit_code", equalTo(0));
        return id;
    }

    private long count(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(PATIENCE)
                .iterator().next().getLong(0);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertFalse(System.nanoTime() > until, what);
            GatedAgents.pause(100);
        }
    }
}
