package dev.wharf.runtime.agent;

import static dev.wharf.runtime.FakeGateway.Reply.toolCall;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.wharf.runtime.ApiClient;
import dev.wharf.runtime.FakeGateway;
import dev.wharf.runtime.FakeGateway.Reply;
import dev.wharf.runtime.ProcessState;
import dev.wharf.runtime.RunningDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The agent loop, driven the way the control plane drives it: the real daemon and a fake gateway. */
class AgentRunEndpointTest {

    private static final Duration RUN_LIMIT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(50);
    /** How quickly a cancelled run must have stopped, tool processes included. */
    private static final Duration CANCEL_LIMIT = Duration.ofSeconds(2);

    @TempDir
    static Path workspace;
    static RunningDaemon daemon;
    static ApiClient api;

    private FakeGateway gateway;

    @BeforeAll
    static void start() {
        daemon = RunningDaemon.start(workspace);
        api = daemon.client();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        daemon.close();
    }

    @AfterEach
    void closeGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void codeThatWritesACsvCompletesWithTheCsvAsItsArtifact() throws Exception {
        Files.writeString(workspace.resolve("keep.txt"), "here before the run");
        String code = "import os\nos.makedirs('out', exist_ok=True)\n"
                + "open('out/data.csv', 'w').write('city,temp\\nParis,21\\n')\nprint('written')";
        gateway = FakeGateway.start().script(
                Reply.turn(toolCall("call-1", "execute_code", Map.of("language", "python", "code", code))),
                Reply.text("The CSV is in out/data.csv."));

        String runId = startRun(Map.of());
        Map<String, Object> status = awaitFinished(runId);

        assertEquals(Map.of("run_id", runId, "status", "finished", "finish_status", "completed", "steps", 2), status);
        List<Map<String, Object>> results = onlyBatch();
        assertEquals(1, results.size());
        assertEquals("call-1", results.get(0).get("call_id"));
        assertEquals("execute_code", results.get(0).get("name"));
        assertEquals(false, results.get(0).get("is_error"));
        Map<String, Object> execution = JSON.std.mapFrom(results.get(0).get("result"));
        assertEquals(0, execution.get("exit_code"));
        assertEquals("written\n", execution.get("stdout"));
        assertEquals(false, execution.get("timed_out"));

        Map<String, Object> finish = gateway.finish();
        assertEquals("completed", finish.get("status"));
        assertNull(finish.get("error"));
        byte[] csv = Files.readAllBytes(workspace.resolve("out/data.csv"));
        assertEquals(List.of(Map.of("path", "out/data.csv", "mime_type", "text/csv", "size_bytes", csv.length,
                "sha256", sha256(csv))), finish.get("artifacts"));
    }

    @Test
    void everyModelCallDeclaresTheEnabledBuiltinTools() {
        gateway = FakeGateway.start();

        awaitFinished(startRun(Map.of()));
        String restricted = startRun(Map.of("builtin_tools", List.of("read_file", "browse")));
        awaitFinished(restricted);

        List<Map<String, Object>> requests = gateway.modelRequests();
        assertEquals(List.of("execute_code", "read_file", "write_file", "edit_file", "list_files", "browse"),
                toolNames(requests.get(0)));
        assertEquals(List.of("read_file", "browse"), toolNames(requests.get(1)));
        for (Map<String, Object> tool : tools(requests.get(0))) {
            assertFalse(((String) tool.get("description")).isBlank(), tool.toString());
            assertEquals("object", ((Map<?, ?>) tool.get("parameters")).get("type"), tool.toString());
        }
    }

    @Test
    void aCallerFunctionEndsTheRunWithRequiresActionAfterTheTurnsBuiltinCalls() {
        gateway = FakeGateway.start().script(Reply.turn(
                toolCall("call-w", "get_weather", Map.of("city", "Paris")),
                toolCall("call-f", "write_file", Map.of("path", "notes/weather.txt", "content", "asked"))));

        String runId = startRun(Map.of());

        assertEquals("requires_action", awaitFinished(runId).get("finish_status"));
        List<Map<String, Object>> results = onlyBatch();
        assertEquals(List.of("call-f"), results.stream().map(r -> r.get("call_id")).collect(Collectors.toList()));
        assertEquals(false, results.get(0).get("is_error"));
        assertEquals(1, gateway.modelCalls());
        Map<String, Object> finish = gateway.finish();
        assertEquals("requires_action", finish.get("status"));
        assertEquals(List.of("notes/weather.txt"), artifactPaths(finish));
    }

    @Test
    void aBuiltinToolTheRunDidNotEnableIsTheCallersFunction() {
        gateway = FakeGateway.start().script(Reply.turn(
                toolCall("call-1", "execute_code", Map.of("language", "bash", "code", "touch should-not-exist"))));

        String runId = startRun(Map.of("builtin_tools", List.of("read_file")));

        assertEquals("requires_action", awaitFinished(runId).get("finish_status"));
        assertEquals(List.of(), gateway.toolResultBatches());
        assertFalse(Files.exists(workspace.resolve("should-not-exist")));
    }

    @Test
    void reachingMaxStepsEndsTheRunIncomplete() {
        gateway = FakeGateway.start().script(call -> Reply.turn(
                toolCall("call-" + call, "list_files", Map.of())));

        String runId = startRun(Map.of("max_steps", 3));

        Map<String, Object> status = awaitFinished(runId);
        assertEquals("incomplete", status.get("finish_status"));
        assertEquals(3, status.get("steps"));
        assertEquals(3, gateway.modelCalls());
        assertEquals(3, gateway.toolResultBatches().size());
        Map<String, Object> finish = gateway.finish();
        assertEquals("incomplete", finish.get("status"));
        Map<?, ?> error = (Map<?, ?>) finish.get("error");
        assertEquals("max_steps", error.get("code"));
        assertTrue(((String) error.get("message")).contains("3 turns"), error.toString());
    }

    @Test
    void cancelKillsTheRunningToolAndReportsCancelled() throws Exception {
        Path pidFile = workspace.resolve("sleeper.pid");
        gateway = FakeGateway.start().script(Reply.turn(toolCall("call-1", "execute_code", Map.of(
                "language", "bash", "code", "sleep 60 & echo $! > sleeper.pid; wait"))));
        String runId = startRun(Map.of());
        long sleeper = awaitPid(pidFile);

        long started = System.nanoTime();
        assertEquals(Map.of(), api.post("/agent/runs/" + runId + "/cancel", Map.of()).ok().json());
        Map<String, Object> status = awaitFinished(runId);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertTrue(took.compareTo(CANCEL_LIMIT) < 0, "cancel took " + took);
        assertTrue(ProcessState.isDead(sleeper), "the tool's child process survived the cancel");
        assertEquals("cancelled", status.get("finish_status"));
        assertEquals("cancelled", gateway.finish().get("status"));
        assertEquals(1, gateway.modelCalls());
        assertEquals(List.of(), gateway.toolResultBatches());
    }

    @Test
    void cancelAbortsAModelCallInProgress() {
        gateway = FakeGateway.start().script(Reply.text("too late").after(Duration.ofSeconds(30)));
        String runId = startRun(Map.of());
        awaitModelCalls(1);

        long started = System.nanoTime();
        api.post("/agent/runs/" + runId + "/cancel", Map.of()).ok();
        Map<String, Object> status = awaitFinished(runId);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertTrue(took.compareTo(CANCEL_LIMIT) < 0, "cancel took " + took);
        assertEquals("cancelled", status.get("finish_status"));
        assertEquals("cancelled", gateway.finish().get("status"));
    }

    @Test
    void cancellingAFinishedRunChangesNothing() {
        gateway = FakeGateway.start();
        String runId = startRun(Map.of());
        awaitFinished(runId);

        assertEquals(Map.of(), api.post("/agent/runs/" + runId + "/cancel", Map.of()).ok().json());

        assertEquals("completed", api.get("/agent/runs/" + runId).ok().get("finish_status"));
        assertEquals(1, gateway.finishes().size());
    }

    @Test
    void unknownRunsAreNotFound() {
        api.get("/agent/runs/no-such-run").error(404, "NOT_FOUND");
        api.post("/agent/runs/no-such-run/cancel", Map.of()).error(404, "NOT_FOUND");
        api.method("GET", "/agent/runs/x/cancel").error(405, "UNIMPLEMENTED");
    }

    @Test
    void aSecondRunWhileOneIsRunningIsRefused() {
        gateway = FakeGateway.start().script(Reply.text("slow").after(Duration.ofSeconds(30)));
        String first = startRun(Map.of());

        Map<String, Object> error = api.post("/agent/runs", runBody(newRunId(), Map.of()))
                .error(400, "FAILED_PRECONDITION");
        assertTrue(((String) error.get("message")).contains(first), error.toString());

        api.post("/agent/runs/" + first + "/cancel", Map.of()).ok();
        awaitFinished(first);
        awaitFinished(startRun(Map.of()));
    }

    @Test
    void aRunIdCannotBeReused() {
        gateway = FakeGateway.start();
        String runId = startRun(Map.of());
        awaitFinished(runId);

        api.post("/agent/runs", runBody(runId, Map.of())).error(400, "FAILED_PRECONDITION");
    }

    @ParameterizedTest
    @CsvSource({"400, FAILED_PRECONDITION", "429, RESOURCE_EXHAUSTED"})
    void aGatewaySayingTheRunIsOverStopsItWithoutAFinishReport(int httpStatus, String statusName) {
        gateway = FakeGateway.start().script(Reply.error(httpStatus, statusName, "the run is over"));

        String runId = startRun(Map.of());

        assertEquals("ended_by_gateway", awaitFinished(runId).get("finish_status"));
        assertEquals(1, gateway.modelCalls());
        assertEquals(List.of(), gateway.finishes());
    }

    @Test
    void aProviderFailureFinishesTheRunAsFailedWithItsMessage() {
        gateway = FakeGateway.start().script(Reply.error(503, "UNAVAILABLE", "the model provider is overloaded"));

        String runId = startRun(Map.of());

        assertEquals("failed", awaitFinished(runId).get("finish_status"));
        Map<String, Object> finish = gateway.finish();
        assertEquals("failed", finish.get("status"));
        assertEquals(Map.of("code", "model_error", "message", "the model provider is overloaded"), finish.get("error"));
    }

    @Test
    void theLoopRidesOutAControlPlaneRestart() {
        gateway = FakeGateway.start()
                .script(Reply.turn(toolCall("call-1", "execute_code", Map.of("language", "bash", "code", "echo hi"))),
                        Reply.text("done"))
                .unreachableAfterModelCall(1, Duration.ofMillis(1500));

        String runId = startRun(Map.of());

        assertEquals("completed", awaitFinished(runId).get("finish_status"));
        assertEquals(1, gateway.toolResultBatches().size());
        assertEquals(2, gateway.modelCalls());
        assertEquals("completed", gateway.finish().get("status"));
    }

    @Test
    void aGatewayUnreachableForTheWholeWindowIsGivenUpSilently() {
        String runId = newRunId();
        Map<String, Object> body = runBody(runId, Map.of("gateway_retry_seconds", 1));
        body.put("gateway_url", "http://127.0.0.1:" + FakeGateway.unusedPort() + "/v1/runs/" + runId);
        api.post("/agent/runs", body).ok();

        Map<String, Object> status = awaitFinished(runId);

        assertEquals("gateway_unreachable", status.get("finish_status"));
        assertEquals(0, status.get("steps"));
    }

    @Test
    void toolFailuresAreErrorResultsAndTheRunGoesOn() throws Exception {
        Files.writeString(workspace.getParent().resolve("outside.txt"), "not yours");
        gateway = FakeGateway.start().script(
                Reply.turn(toolCall("call-1", "read_file", Map.of("path", "../outside.txt")),
                        toolCall("call-2", "execute_code", Map.of("language", "bash", "code", "exit 3")),
                        toolCall("call-3", "edit_file", Map.of("path", "missing.txt", "old_text", "a", "new_text", "b"))),
                Reply.text("I could not read it."));

        String runId = startRun(Map.of());

        assertEquals("completed", awaitFinished(runId).get("finish_status"));
        List<Map<String, Object>> results = onlyBatch();
        assertEquals(3, results.size());
        results.forEach(result -> assertEquals(true, result.get("is_error"), result.toString()));
        assertTrue(((String) results.get(0).get("result")).contains("escapes"), results.get(0).toString());
        assertFalse(((String) results.get(0).get("result")).contains("not yours"));
        assertEquals(3, JSON.std.mapFrom(results.get(1).get("result")).get("exit_code"));
        assertTrue(((String) results.get(2).get("result")).contains("no such file"), results.get(2).toString());
    }

    @Test
    void invalidStartRequestsAreRefused() {
        Map<String, Object> unknownTool = runBody(newRunId(), Map.of("builtin_tools", List.of("teleport")));
        Map<String, Object> noUrl = runBody(newRunId(), Map.of());
        noUrl.remove("gateway_url");
        Map<String, Object> badSteps = runBody(newRunId(), Map.of("max_steps", 0));
        Map<String, Object> badId = runBody("../etc", Map.of());

        assertTrue(((String) api.post("/agent/runs", unknownTool).error(400, "INVALID_ARGUMENT").get("message"))
                .contains("teleport"));
        api.post("/agent/runs", noUrl).error(400, "INVALID_ARGUMENT");
        api.post("/agent/runs", badSteps).error(400, "INVALID_ARGUMENT");
        api.post("/agent/runs", badId).error(400, "INVALID_ARGUMENT");
    }

    private String startRun(Map<String, Object> options) {
        String runId = newRunId();
        Map<String, Object> answer = api.post("/agent/runs", runBody(runId, options)).ok().json();
        assertEquals(Map.of("run_id", runId, "status", "running"), answer);
        return runId;
    }

    private Map<String, Object> runBody(String runId, Map<String, Object> options) {
        Map<String, Object> body = new HashMap<>();
        body.put("run_id", runId);
        body.put("gateway_url", gateway == null ? "http://127.0.0.1:1/v1/runs/" + runId : gateway.runUrl(runId));
        body.put("gateway_token", FakeGateway.TOKEN);
        body.put("tool_timeout_seconds", 120);
        body.putAll(options);
        return body;
    }

    private static String newRunId() {
        return "run-" + UUID.randomUUID();
    }

    private static Map<String, Object> awaitFinished(String runId) {
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (true) {
            Map<String, Object> status = api.get("/agent/runs/" + runId).ok().json();
            if ("finished".equals(status.get("status"))) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("run " + runId + " did not finish: " + status + "; daemon stderr:\n"
                        + daemon.stderr());
            }
            pause();
        }
    }

    private void awaitModelCalls(int calls) {
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (gateway.modelCalls() < calls) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the model was not called");
            }
            pause();
        }
    }

    private static long awaitPid(Path pidFile) throws IOException {
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the tool did not start; daemon stderr:\n" + daemon.stderr());
            }
            pause();
        }
        return Long.parseLong(Files.readString(pidFile).trim());
    }

    private List<Map<String, Object>> onlyBatch() {
        List<List<Map<String, Object>>> batches = gateway.toolResultBatches();
        assertEquals(1, batches.size(), batches.toString());
        return batches.get(0);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> tools(Map<String, Object> modelRequest) {
        return (List<Map<String, Object>>) modelRequest.get("tools");
    }

    private static List<Object> toolNames(Map<String, Object> modelRequest) {
        return tools(modelRequest).stream().map(tool -> tool.get("name")).collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    private static List<Object> artifactPaths(Map<String, Object> finish) {
        return ((List<Map<String, Object>>) finish.get("artifacts")).stream().map(a -> a.get("path"))
                .collect(Collectors.toList());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
