package dev.wharf.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Event;
import dev.wharf.environment.EnvironmentReconciler;
import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.sandbox.SandboxLabels;
import dev.wharf.support.Api;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Sandbox time in the ledger against the engine's own account of how long each container ran (State.StartedAt
 * and FinishedAt, or its "die" event once the container is removed): they agree within a second, whether the
 * sandbox is deleted, killed and reconciled, found dead by the metering pass, or vanishes altogether.
 */
@QuarkusTest
class SandboxMeteringTest {
    static final Duration TOLERANCE = Duration.ofSeconds(1);

    @Inject
    DockerClient docker;
    @Inject
    Pool pool;
    @Inject
    EnvironmentReconciler reconciler;
    @Inject
    SandboxIntervalReconciler meteringPass;

    /** What the ledger holds for one container. */
    record Metered(int records, Instant start, Instant end, BigDecimal seconds, boolean stillOpen) {
        Duration duration() {
            return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
        }
    }

    Metered metered(String containerId) {
        Row row = pool.preparedQuery("SELECT count(*), min(occurred_at), max(ended_at),"
                        + " COALESCE(sum(sandbox_seconds), 0),"
                        + " EXISTS (SELECT 1 FROM sandbox_interval WHERE container_id = $1)"
                        + " FROM usage_record WHERE container_id = $1 AND kind = 'sandbox'")
                .execute(Tuple.of(containerId)).await().indefinitely().iterator().next();
        return new Metered(row.getInteger(0),
                row.getOffsetDateTime(1) == null ? null : row.getOffsetDateTime(1).toInstant(),
                row.getOffsetDateTime(2) == null ? null : row.getOffsetDateTime(2).toInstant(),
                row.getBigDecimal(3).setScale(9, RoundingMode.UNNECESSARY), row.getBoolean(4));
    }

    String containerOf(String environmentId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(SandboxLabels.ENVIRONMENT, environmentId)).exec().get(0).getId();
    }

    static void assertClose(Instant expected, Instant actual, String what) {
        Duration off = Duration.between(expected, actual).abs();
        assertTrue(off.compareTo(TOLERANCE) <= 0,
                what + ": engine " + expected + ", ledger " + actual + " (" + off + ")");
    }

    static void assertClose(Duration expected, Duration actual, String what) {
        Duration off = expected.minus(actual).abs();
        assertTrue(off.compareTo(TOLERANCE) <= 0, what + ": engine " + expected + ", ledger " + actual);
    }

    static Instant started(InspectContainerResponse inspected) {
        return Instant.parse(inspected.getState().getStartedAt());
    }

    void pass() throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> meteringPass.passOnce());
    }

    @Test
    void aDeletedEnvironmentIsMeteredForExactlyAsLongAsItsContainerRan() throws Exception {
        String environment = Api.createEnvironment();
        String container = containerOf(environment);
        Api.execOk(environment, "sleep 2");
        Instant startedAt = started(docker.inspectContainerCmd(container).exec());
        Api.deleteEnvironment(environment);

        // The container is gone; the engine's "die" event still says when it stopped.
        Instant diedAt = dieTime(container, startedAt);
        Metered ledger = metered(container);
        assertFalse(ledger.stillOpen(), "the interval is closed");
        assertClose(startedAt, ledger.start(), "start");
        assertClose(diedAt, ledger.end(), "end");
        assertClose(Duration.between(startedAt, diedAt), ledger.duration(), "running time");
        assertTrue(ledger.duration().compareTo(Duration.ofSeconds(2)) >= 0, "at least the 2 s it was used");
        assertEquals(Duration.between(ledger.start(), ledger.end()), ledger.duration(), "pieces are contiguous");
    }

    @Test
    void aKilledSandboxIsMeteredUpToTheMomentTheEngineSaysItDied() throws Throwable {
        String environment = Api.createEnvironment();
        String container = containerOf(environment);
        Api.execOk(environment, "sleep 1");
        docker.killContainerCmd(container).exec();
        InspectContainerResponse dead = docker.inspectContainerCmd(container).exec();
        Instant finishedAt = Instant.parse(dead.getState().getFinishedAt());
        Thread.sleep(1500); // the control plane notices only later; that delay must not be billed

        VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcileOnce());

        given().get("/v1/environments/" + environment).then().body("status", equalTo("failed"));
        Metered ledger = metered(container);
        assertFalse(ledger.stillOpen());
        assertClose(started(dead), ledger.start(), "start");
        assertClose(finishedAt, ledger.end(), "end");
        assertClose(Duration.between(started(dead), finishedAt), ledger.duration(), "running time");
        Api.deleteEnvironment(environment);
    }

    @Test
    void theMeteringPassClosesASandboxThatDiedWhileNobodyWatched() throws Throwable {
        String environment = Api.createEnvironment();
        String container = containerOf(environment);
        Thread.sleep(1000);
        // As if the control plane had crashed: the container dies and no reconciler has run since.
        docker.killContainerCmd(container).exec();
        InspectContainerResponse dead = docker.inspectContainerCmd(container).exec();
        Thread.sleep(1000);

        pass();

        Metered ledger = metered(container);
        assertFalse(ledger.stillOpen());
        assertClose(started(dead), ledger.start(), "start");
        assertClose(Instant.parse(dead.getState().getFinishedAt()), ledger.end(), "end");
        Api.deleteEnvironment(environment);
    }

    @Test
    void aRunningSandboxReachesTheLedgerAtEachCheckpointAndAVanishedOneIsClosedWhereItWasLastSeen()
            throws Throwable {
        String environment = Api.createEnvironment();
        String container = containerOf(environment);
        Instant startedAt = started(docker.inspectContainerCmd(container).exec());
        Thread.sleep(1500);

        pass();
        Metered first = metered(container);
        assertTrue(first.stillOpen(), "still running, still open");
        assertTrue(first.records() >= 1);
        assertClose(startedAt, first.start(), "start");
        assertClose(Instant.now(), first.end(), "metered up to now");

        Thread.sleep(1000);
        pass();
        Metered second = metered(container);
        assertTrue(second.records() > first.records(), "each checkpoint appends");
        assertEquals(first.start(), second.start(), "earlier records are never rewritten");
        assertTrue(second.end().isAfter(first.end()));

        // Removed behind the platform's back: the first pass that misses it waits (a regular removal may be
        // finishing), the second closes it at the last checkpoint.
        docker.removeContainerCmd(container).withForce(true).exec();
        pass();
        assertTrue(metered(container).stillOpen());
        pass();
        Metered closed = metered(container);
        assertFalse(closed.stillOpen());
        assertEquals(second.end(), closed.end(), "ends where it was last seen running");
        Api.deleteEnvironment(environment);
    }

    @Test
    void anAgentTaskIsChargedTheSandboxTimeItsRunUsed() {
        ScriptedOpenAiServer model = ScriptedModel.server();
        model.reset();
        model.usage(1000, 200, 0);
        model.replyToolCall("execute_code", new JsonObject().put("language", "bash").put("code", "sleep 2").encode())
                .reply("Slept.");
        ExtractableResponse<Response> done = given().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "Sleep two seconds",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/meter-agent")))
                .post("/v1/interactions").then().statusCode(200).body("status", equalTo("completed")).extract();
        String id = done.path("id");
        BigDecimal seconds = new BigDecimal(done.path("usage.x_sandbox_seconds").toString());
        BigDecimal cost = new BigDecimal(done.path("usage.x_cost").toString());
        Duration wall = Duration.between(Instant.parse(done.path("created")), Instant.parse(done.path("updated")));

        assertTrue(seconds.compareTo(BigDecimal.valueOf(2)) >= 0, "the run slept 2 s in its sandbox: " + seconds);
        assertTrue(seconds.compareTo(BigDecimal.valueOf(wall.toMillis()).movePointLeft(3).add(BigDecimal.ONE)) <= 0,
                "no more than the interaction lasted: " + seconds + " s in " + wall);
        // Two model calls at 1000 in / 200 out (1 and 4 per million) plus the seconds at 0.002 a minute.
        BigDecimal expected = new BigDecimal("0.0036").add(seconds.multiply(new BigDecimal("0.002"))
                .divide(BigDecimal.valueOf(60), 12, RoundingMode.HALF_UP));
        assertTrue(expected.subtract(cost).abs().compareTo(new BigDecimal("0.000001")) < 0,
                "x_cost " + cost + " vs " + expected);

        // Once ended, the figures come from the ledger alone and stay put.
        given().get("/v1/interactions/" + id).then().statusCode(200)
                .body("usage.x_sandbox_seconds", equalTo(done.path("usage.x_sandbox_seconds")))
                .body("usage.total_input_tokens", equalTo(2000));
        Row row = pool.preparedQuery("SELECT sum(sandbox_seconds), count(*) FILTER (WHERE kind = 'tokens')"
                        + " FROM usage_record WHERE interaction_id = $1")
                .execute(Tuple.of(id)).await().indefinitely().iterator().next();
        assertEquals(0, row.getBigDecimal(0).setScale(3, RoundingMode.HALF_UP).compareTo(seconds));
        assertEquals(2L, row.getLong(1), "one token record per model call");
        Api.deleteEnvironment(done.path("environment_id"));
    }

    /** When the engine says the container died, from its event log (it outlives the container). */
    Instant dieTime(String container, Instant since) throws InterruptedException {
        List<Event> events = new ArrayList<>();
        docker.eventsCmd().withContainerFilter(container).withEventFilter("die")
                .withSince(Long.toString(since.getEpochSecond() - 1))
                .withUntil(Long.toString(Instant.now().getEpochSecond() + 1))
                .exec(new ResultCallback.Adapter<Event>() {
                    @Override
                    public void onNext(Event event) {
                        events.add(event);
                    }
                }).awaitCompletion(10, TimeUnit.SECONDS);
        assertEquals(1, events.size(), "one die event");
        long nanos = events.get(0).getTimeNano();
        return Instant.ofEpochSecond(0, nanos);
    }
}
