package dev.wharf.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the daemon starts, refuses to start, and stops, as the sandbox image sees it. */
class StartupTest {

    private static final int EXIT_USAGE = 2;
    private static final int EXIT_FAILURE = 1;

    @TempDir
    Path workspace;

    @Test
    void withoutATokenItRefusesToStart() throws Exception {
        RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(),
                "serve", "--port", "0", "--workspace", workspace.toString());

        assertEquals(EXIT_USAGE, launch.awaitExit());
        assertTrue(launch.stderr().contains("WHARF_SANDBOX_TOKEN is not set"), launch.stderr());
        assertTrue(launch.stderr().contains("--insecure-no-token"), launch.stderr());
    }

    @Test
    void anEmptyTokenCountsAsNoToken() throws Exception {
        RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(Daemon.TOKEN_VARIABLE, ""),
                "serve", "--port", "0", "--workspace", workspace.toString());

        assertEquals(EXIT_USAGE, launch.awaitExit());
    }

    @Test
    void aTokenFileReplacesTheVariableAndStaysOutOfCommandsEnvironments() throws Exception {
        Path tokenFile = Files.writeString(workspace.resolveSibling(workspace.getFileName() + ".token"),
                "from-the-file\n");
        RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(Daemon.TOKEN_VARIABLE, "from-the-variable"),
                "serve", "--port", "0", "--workspace", workspace.toString(), "--token-file", tokenFile.toString());

        try (RunningDaemon daemon = launch.awaitListening("from-the-file", workspace)) {
            Object env = daemon.client().exec(Map.of("command", "env")).ok().get("stdout");
            assertFalse(env.toString().contains("from-the-file"), "the token reached a command");
            assertEquals(401, new ApiClient(daemon.port(), "from-the-variable").exec(Map.of("command", "true"))
                    .status(), "the variable no longer counts");
        } finally {
            Files.deleteIfExists(tokenFile);
        }
    }

    /**
     * JVM options the control plane means for commands only: a java command gets them as JAVA_TOOL_OPTIONS, the
     * daemon's own JVM (started from the same environment) never reads them, so it prints no "Picked up" line.
     */
    @Test
    void commandOnlyVariablesReachCommandsButNotTheDaemonsJvm() throws Exception {
        RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(Daemon.TOKEN_VARIABLE, "t",
                        "WHARF_COMMAND_ENV_JAVA_TOOL_OPTIONS", "-Dwharf.probe=from-the-control-plane"),
                "serve", "--port", "0", "--workspace", workspace.toString());

        try (RunningDaemon daemon = launch.awaitListening("t", workspace)) {
            ApiResponse result = daemon.client().exec(Map.of("command",
                    "printenv JAVA_TOOL_OPTIONS; env | grep -c '^WHARF_COMMAND_ENV_'")).ok();
            assertEquals("-Dwharf.probe=from-the-control-plane\n0\n", result.get("stdout"));
            assertFalse(daemon.stderr().contains("Picked up"), daemon.stderr());
        }
    }

    @Test
    void anEmptyOrMissingTokenFileRefusesToStart() throws Exception {
        Path empty = Files.writeString(workspace.resolve("empty.token"), "\n");
        for (Path file : new Path[] {empty, workspace.resolve("missing.token")}) {
            RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(Daemon.TOKEN_VARIABLE, "t"),
                    "serve", "--port", "0", "--workspace", workspace.toString(), "--token-file", file.toString());

            assertEquals(EXIT_USAGE, launch.awaitExit(), file.toString());
            assertTrue(launch.stderr().contains("token"), launch.stderr());
        }
    }

    @Test
    void insecureModeServesWithoutAuthentication() throws Exception {
        RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(),
                "serve", "--port=0", "--workspace=" + workspace, "--insecure-no-token");

        try (RunningDaemon daemon = launch.awaitListening(null, workspace)) {
            assertEquals("hi\n", daemon.client().exec(Map.of("command", "echo hi")).ok().get("stdout"));
            assertTrue(daemon.stderr().contains("without authentication"), daemon.stderr());
        }
    }

    @Test
    void badCommandLinesExitWithUsage() throws Exception {
        for (String[] args : new String[][] {{}, {"run"}, {"serve", "--port"}, {"serve", "--port", "http"},
                {"serve", "--port", "70000"}, {"serve", "--verbose"}}) {
            RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(Daemon.TOKEN_VARIABLE, "t"), args);

            assertEquals(EXIT_USAGE, launch.awaitExit(), String.join(" ", args));
            assertTrue(launch.stderr().contains("usage: agent-runtime serve"), launch.stderr());
        }
    }

    @Test
    void aTakenPortIsAFailureNotAHang() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            RunningDaemon.Launch launch = RunningDaemon.Launch.of(Map.of(Daemon.TOKEN_VARIABLE, "t"),
                    "serve", "--port", String.valueOf(taken.getLocalPort()), "--workspace", workspace.toString());

            assertEquals(EXIT_FAILURE, launch.awaitExit());
            assertTrue(launch.stderr().contains("cannot serve"), launch.stderr());
        }
    }

    @Test
    void aMissingWorkspaceIsCreated() throws Exception {
        Path nested = workspace.resolve("not/yet");

        try (RunningDaemon daemon = RunningDaemon.start(nested)) {
            daemon.client().get("/usage").ok();
            assertTrue(Files.isDirectory(nested));
        }
    }

    @Test
    void sigtermStopsTheDaemonPromptlyAndKillsRunningCommands() throws Exception {
        RunningDaemon daemon = RunningDaemon.start(workspace);
        CompletableFuture<ApiResponse> running = CompletableFuture.supplyAsync(() ->
                daemon.client().exec(Map.of("command", "echo $$ > cmd.pid; exec sleep 300", "timeout_seconds", 600)));
        Path pidFile = workspace.resolve("cmd.pid");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!(Files.exists(pidFile) && Files.size(pidFile) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long command = Long.parseLong(Files.readString(pidFile).trim());

        long started = System.nanoTime();
        daemon.process().destroy();
        boolean exited = daemon.process().waitFor(5, TimeUnit.SECONDS);

        assertTrue(exited, "daemon ignored SIGTERM");
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(4)) < 0);
        assertTrue(ProcessState.becomesDead(command, Duration.ofSeconds(3)), "the running command survived");
        running.handle((response, failure) -> null).join();
    }
}
