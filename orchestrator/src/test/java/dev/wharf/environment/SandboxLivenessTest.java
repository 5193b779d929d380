package dev.wharf.environment;

import static dev.wharf.support.GatedAgents.agentTask;
import static dev.wharf.support.GatedAgents.awaitRunning;
import static dev.wharf.support.GatedAgents.awaitStatus;
import static dev.wharf.support.GatedAgents.start;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.TopContainerResponse;
import dev.wharf.support.GatedAgents;
import dev.wharf.sandbox.SandboxLabels;
import dev.wharf.support.Api;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A sandbox whose daemon stops answering while its container keeps running (here: SIGSTOP from the host, which
 * user code itself cannot send, see DaemonIntegrityTest): the environment fails as unresponsive, the agent work on
 * it fails with that reason, its metering closes, and the environment can be used again with its files.
 */
@QuarkusTest
@TestProfile(SandboxLivenessTest.QuickVerdict.class)
@QuarkusTestResource(ScriptedModel.class)
class SandboxLivenessTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** Checks every second, a verdict after four silent seconds. */
    public static class QuickVerdict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wharf.environment.liveness-interval", "1s",
                    "wharf.environment.liveness-probe-timeout", "1s",
                    "wharf.environment.liveness-timeout", "4s");
        }
    }

    @Inject
    DockerClient docker;
    @Inject
    Pool pool;
    @Inject
    dev.wharf.sandbox.docker.DaemonTokenFiles tokens;

    @BeforeEach
    void script() {
        GatedAgents.script(ScriptedModel.server());
    }

    @AfterEach
    void cleanUp() {
        GatedAgents.cleanUp();
    }

    @Test
    void aStoppedDaemonFailsItsEnvironmentAndItsWorkWithTheReasonAndStopsMetering() throws Exception {
        String interaction = start(null, agentTask("hold the sandbox", "background", true));
        String environment = awaitRunning(null, interaction).getString("environment_id");
        Api.execOk(environment, "echo kept > notes.txt");
        String container = docker.listContainersCmd().withLabelFilter(Map.of(SandboxLabels.ENVIRONMENT, environment))
                .exec().get(0).getId();
        assertTrue(openInterval(container), "metering while it runs");

        signalDaemon(container, "STOP");

        JsonObject failed = awaitEnvironment(environment, "failed");
        assertEquals("unresponsive", failed.getJsonObject("x_failure").getString("reason"), failed.encode());
        JsonObject ended = awaitStatus(null, interaction, "failed");
        String error = ended.getJsonArray("errors").getJsonObject(0).getString("message");
        assertTrue(error.contains("unresponsive") && error.contains("did not answer health checks"), error);
        // The failure is recorded first; the removal (a stop grace, then SIGKILL) follows it.
        awaitRemoved(container);
        assertFalse(java.nio.file.Files.exists(tokens.file(environment)), "its token file went with it");
        // Metering closes when the removal returns, a moment after the engine forgets the container.
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (openInterval(container) && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertFalse(openInterval(container), "its metering closed");
        assertTrue(endedRecords(container) > 0, "its sandbox time is on the ledger");

        // Used again: a fresh sandbox on the same workspace.
        Api.execOk(environment, "cat notes.txt").body("stdout", equalTo("kept\n"));
        given().get("/v1/environments/" + environment).then().statusCode(200).body("status", equalTo("active"));
    }

    /** Sends a signal to the sandbox's daemon (its java process) by host pid, as an operator or the host could. */
    private void signalDaemon(String container, String signal) throws IOException, InterruptedException {
        TopContainerResponse top = docker.topContainerCmd(container).withPsArgs("-eo pid,args").exec();
        int pidColumn = Arrays.asList(top.getTitles()).indexOf("PID");
        int argsColumn = Arrays.asList(top.getTitles()).indexOf("COMMAND");
        String pid = Arrays.stream(top.getProcesses())
                .filter(row -> row[argsColumn].startsWith("java "))
                .map(row -> row[pidColumn]).findFirst().orElseThrow();
        Process kill = new ProcessBuilder("kill", "-" + signal, pid).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    private JsonObject awaitEnvironment(String id, String status) throws InterruptedException {
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            JsonObject now = new JsonObject(given().get("/v1/environments/" + id).then().statusCode(200)
                    .extract().asString());
            if (status.equals(now.getString("status"))) {
                return now;
            }
            if (System.nanoTime() > until) {
                fail("environment " + id + " did not become " + status + ": " + now.encode());
            }
            Thread.sleep(250);
        }
    }

    private void awaitRemoved(String container) throws InterruptedException {
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (!docker.listContainersCmd().withShowAll(true).withIdFilter(List.of(container)).exec().isEmpty()) {
            if (System.nanoTime() > until) {
                fail("the stopped sandbox " + container + " was not removed");
            }
            Thread.sleep(250);
        }
    }

    private boolean openInterval(String container) {
        Row row = pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM sandbox_interval WHERE container_id = $1)")
                .execute(Tuple.of(container)).await().indefinitely().iterator().next();
        return row.getBoolean(0);
    }

    private long endedRecords(String container) {
        Row row = pool.preparedQuery("SELECT count(*) FROM usage_record WHERE container_id = $1 AND kind = 'sandbox'"
                        + " AND ended_at IS NOT NULL")
                .execute(Tuple.of(container)).await().indefinitely().iterator().next();
        return row.getLong(0);
    }
}
