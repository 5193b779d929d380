package dev.wharf.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.ApiClient;
import dev.wharf.runtime.ProcessState;
import dev.wharf.runtime.RunningDaemon;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExecEndpointTest {

    @TempDir
    static Path workspace;
    static RunningDaemon daemon;
    static ApiClient api;

    @BeforeAll
    static void start() {
        daemon = RunningDaemon.start(workspace);
        api = daemon.client();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        daemon.close();
    }

    @Test
    void stringCommandRunsThroughBashWithPipesAndSeparateStreams() {
        Map<String, Object> result = api.exec(Map.of("command", "echo hello | tr a-z A-Z; echo oops >&2; exit 3"))
                .ok().json();

        assertEquals("HELLO\n", result.get("stdout"));
        assertEquals("oops\n", result.get("stderr"));
        assertEquals(3, result.get("exit_code"));
        assertEquals(false, result.get("timed_out"));
        assertEquals(false, result.get("stdout_truncated"));
        assertEquals(false, result.get("stderr_truncated"));
        assertEquals(false, result.get("oom_killed"));
        assertTrue(((Number) result.get("duration_ms")).longValue() >= 0);
    }

    @Test
    void argvIsPassedVerbatimWithoutAShell() {
        Map<String, Object> result = api.exec(Map.of("command", List.of("printf", "[%s]", "two words", "$HOME", "*")))
                .ok().json();

        assertEquals("[two words][$HOME][*]", result.get("stdout"));
        assertEquals(0, result.get("exit_code"));
    }

    @Test
    void unknownProgramExitsLikeAShellWould() {
        Map<String, Object> result = api.exec(Map.of("command", List.of("no-such-program-wharf"))).ok().json();

        assertEquals(127, result.get("exit_code"));
        assertTrue(((String) result.get("stderr")).contains("no-such-program-wharf"));
    }

    @Test
    void commandsRunInTheWorkspaceOrInTheGivenCwd() throws IOException {
        Files.createDirectories(workspace.resolve("project/src"));
        String real = workspace.toRealPath().toString();

        assertEquals(real + "\n", api.exec(Map.of("command", "pwd")).ok().get("stdout"));
        assertEquals(real + "/project/src\n",
                api.exec(Map.of("command", "pwd", "cwd", "project/src")).ok().get("stdout"));
    }

    @Test
    void cwdMustBeAnExistingDirectoryInsideTheWorkspace() throws IOException {
        Files.writeString(workspace.resolve("plain.txt"), "x");

        api.exec(Map.of("command", "pwd", "cwd", "missing")).error(400, "INVALID_ARGUMENT");
        api.exec(Map.of("command", "pwd", "cwd", "plain.txt")).error(400, "INVALID_ARGUMENT");
        Map<String, Object> escape = api.exec(Map.of("command", "pwd", "cwd", "..")).error(400, "INVALID_ARGUMENT");
        assertTrue(((String) escape.get("message")).contains("escapes"), escape.toString());
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("no command", Map.of()),
                Arguments.of("empty string", Map.of("command", "")),
                Arguments.of("blank string", Map.of("command", "   ")),
                Arguments.of("empty argv", Map.of("command", List.of())),
                Arguments.of("non-string argv", Map.of("command", List.of("echo", 1))),
                Arguments.of("number command", Map.of("command", 42)),
                Arguments.of("zero timeout", Map.of("command", "true", "timeout_seconds", 0)),
                Arguments.of("negative timeout", Map.of("command", "true", "timeout_seconds", -5)),
                Arguments.of("string timeout", Map.of("command", "true", "timeout_seconds", "10")),
                Arguments.of("negative output limit", Map.of("command", "true", "max_output_bytes", -1)),
                Arguments.of("env not an object", Map.of("command", "true", "env", List.of("A=B"))),
                Arguments.of("env value not a string", Map.of("command", "true", "env", Map.of("A", 1))),
                Arguments.of("env name with =", Map.of("command", "true", "env", Map.of("A=B", "c"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void invalidRequestsAreRefusedWithoutRunningAnything(String description, Map<String, Object> request) {
        Map<String, Object> error = api.exec(request).error(400, "INVALID_ARGUMENT");
        assertFalse(((String) error.get("message")).isBlank());
    }

    @Test
    void malformedJsonIsRefused() {
        api.postRaw("/exec", "{\"command\": ").error(400, "INVALID_ARGUMENT");
        api.postRaw("/exec", "[\"echo\"]").error(400, "INVALID_ARGUMENT");
    }

    @Test
    void timeoutKillsTheCommandAndEverythingItStarted() throws Exception {
        long started = System.nanoTime();
        Map<String, Object> result = api.exec(Map.of(
                "command", "sleep 300 & echo $! > timeout-child.pid; sleep 30",
                "timeout_seconds", 1)).ok().json();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(true, result.get("timed_out"));
        assertEquals(137, result.get("exit_code"));
        assertEquals(false, result.get("oom_killed"));
        assertTrue(elapsed.compareTo(Duration.ofSeconds(4)) < 0, "took " + elapsed);
        long child = Long.parseLong(Files.readString(workspace.resolve("timeout-child.pid")).trim());
        assertTrue(ProcessState.becomesDead(child, Duration.ofSeconds(3)), "background child " + child + " survived");
    }

    @Test
    void fractionalTimeoutsAreHonoured() {
        long started = System.nanoTime();
        Map<String, Object> result = api.exec(Map.of("command", "sleep 10", "timeout_seconds", 0.3)).ok().json();

        assertEquals(true, result.get("timed_out"));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(3)) < 0);
    }

    @Test
    void backgroundChildHoldingThePipesDoesNotHangTheCall() throws Exception {
        long started = System.nanoTime();
        Map<String, Object> result = api.exec(Map.of(
                "command", "sleep 30 & echo $! > lingering.pid; echo started",
                "timeout_seconds", 20)).ok().json();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        assertEquals("started\n", result.get("stdout"));
        assertEquals(0, result.get("exit_code"));
        assertEquals(false, result.get("timed_out"));
        assertTrue(elapsed.compareTo(Duration.ofSeconds(3)) < 0, "took " + elapsed);
        long lingering = Long.parseLong(Files.readString(workspace.resolve("lingering.pid")).trim());
        ProcessHandle.of(lingering).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void outputBeyondTheLimitIsCutPerStreamAndFlagged() {
        Map<String, Object> result = api.exec(Map.of(
                "command", "head -c 5000 /dev/zero | tr '\\0' a; printf short >&2",
                "max_output_bytes", 1000)).ok().json();

        assertEquals("a".repeat(1000), result.get("stdout"));
        assertEquals(true, result.get("stdout_truncated"));
        assertEquals("short", result.get("stderr"));
        assertEquals(false, result.get("stderr_truncated"));
    }

    @Test
    void hugeOutputIsDrainedSoTheCommandFinishes() {
        Map<String, Object> result = api.exec(Map.of(
                "command", "head -c 30000000 /dev/urandom; echo finished >&2",
                "max_output_bytes", 4096,
                "timeout_seconds", 20)).ok().json();

        assertEquals(0, result.get("exit_code"));
        assertEquals(false, result.get("timed_out"));
        assertEquals(true, result.get("stdout_truncated"));
        assertEquals("finished\n", result.get("stderr"));
    }

    @Test
    void invalidUtf8IsReplacedNotRejected() {
        Map<String, Object> result = api.exec(Map.of("command", "printf 'ok \\377 \\xc3\\xa9'")).ok().json();

        assertEquals("ok \uFFFD \u00e9", result.get("stdout"));
    }

    @Test
    void requestEnvIsAddedAndTheSandboxTokenIsNotVisible() {
        String output = (String) api.exec(Map.of("command", "env", "env", Map.of("GREETING", "hello world")))
                .ok().get("stdout");

        assertTrue(output.contains("GREETING=hello world\n"), output);
        assertTrue(output.contains("PATH="), "the daemon's environment is inherited: " + output);
        assertFalse(output.contains("WHARF_SANDBOX_TOKEN"), output);
        assertFalse(output.contains(daemon.token()), output);
    }

    @Test
    void stdinIsEmptySoReadersDoNotWait() {
        Map<String, Object> result = api.exec(Map.of("command", "cat; echo done", "timeout_seconds", 5)).ok().json();

        assertEquals("done\n", result.get("stdout"));
        assertEquals(false, result.get("timed_out"));
    }

    @Test
    void commandIsTheKernelsPreferredOomVictim() {
        assertEquals("1000\n", api.exec(Map.of("command", List.of("cat", "/proc/self/oom_score_adj")))
                .ok().get("stdout"));
    }

    @Test
    void sigkillWithoutMemoryPressureIsNotReportedAsOom() {
        Map<String, Object> result = api.exec(Map.of("command", "kill -9 $$")).ok().json();

        assertEquals(137, result.get("exit_code"));
        assertEquals(false, result.get("timed_out"));
        assertEquals(false, result.get("oom_killed"));
    }

    @Test
    void commandsRunConcurrently() {
        int commands = 4;
        long started = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < commands; i++) {
            calls.add(api.http().sendAsync(api.request("/exec")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"command\":\"sleep 1.5; echo " + i + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < commands; i++) {
            HttpResponse<String> response = calls.get(i).join();
            assertEquals(200, response.statusCode());
            assertTrue(response.body().contains("\"stdout\":\"" + i + "\\n\""), response.body());
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(elapsed.compareTo(Duration.ofMillis(1500L * commands - 1500)) < 0,
                "four 1.5 s commands took " + elapsed + ", so they ran one after another");
    }

    // ---- text no process or path can carry: a 400 naming the field, never a 500 -----------------------

    /** Raw JSON, so the escapes reach the daemon exactly as a caller could send them. */
    static Stream<Arguments> unpassable() {
        return Stream.of(
                Arguments.of("{\"command\":\"echo a\\u0000b\"}", "command"),
                Arguments.of("{\"command\":[\"echo\",\"a\\u0000b\"]}", "command[1]"),
                Arguments.of("{\"command\":[\"echo\",\"\\ud800\"]}", "command[1]"),
                Arguments.of("{\"command\":\"echo \\udc00\"}", "command"),
                Arguments.of("{\"command\":\"pwd\",\"cwd\":\"a\\u0000b\"}", "path"),
                Arguments.of("{\"command\":\"pwd\",\"cwd\":\"dir\\ud800\"}", "path"),
                Arguments.of("{\"command\":\"env\",\"env\":{\"NAME\":\"\\udbff\"}}", "env value of NAME"),
                Arguments.of("{\"command\":\"env\",\"env\":{\"N\\ud800\":\"x\"}}", "env name"));
    }

    @ParameterizedTest
    @MethodSource("unpassable")
    void refusedAsInvalidArgumentNamingTheField(String request, String field) {
        Map<String, Object> error = api.postRaw("/exec", request).error(400, "INVALID_ARGUMENT");
        String message = (String) error.get("message");
        assertTrue(message.startsWith(field + " ") || message.contains(field), message);
    }

    @Test
    void aFilePathWithANulIsRefused() {
        api.get("/files?path=a%00b").error(400, "INVALID_ARGUMENT");
    }

    @Test
    void ordinaryUnicodeStillRuns() {
        Map<String, Object> result = api.exec(Map.of("command", List.of("printf", "%s", "é😀"))).ok().json();
        assertEquals("é😀", result.get("stdout"));
    }
}
