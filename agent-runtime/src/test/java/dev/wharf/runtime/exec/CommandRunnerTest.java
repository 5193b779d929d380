package dev.wharf.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.files.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OOM diagnosis against a fake cgroup counter that the command itself bumps, standing in for the
 * kernel's OOM killer.
 */
class CommandRunnerTest {

    @TempDir
    Path workspace;
    @TempDir
    Path cgroup;

    private final ExecutorService readers = Executors.newCachedThreadPool();
    private Path counter;
    private CommandRunner runner;

    @BeforeEach
    void setUp() throws IOException {
        counter = Files.writeString(cgroup.resolve("memory.events"), "oom 0\noom_kill 0\n");
        runner = new CommandRunner(new Workspace(workspace), new OomKillCounter(List.of(counter)), readers, Set.of(),
                Optional.empty());
    }

    @AfterEach
    void tearDown() {
        runner.close();
        readers.shutdownNow();
    }

    @Test
    void sigkillWhileTheOomCounterRoseIsAnOomKill() throws IOException {
        ExecResult result = run("echo 'oom_kill 1' > \"$COUNTER\"; kill -9 $$", 10);

        assertEquals(137, result.exitCode());
        assertTrue(result.oomKilled());
        assertFalse(result.timedOut());
    }

    @Test
    void sigkillWithoutAnOomIsNotAnOomKill() throws IOException {
        ExecResult result = run("kill -9 $$", 10);

        assertEquals(137, result.exitCode());
        assertFalse(result.oomKilled());
    }

    @Test
    void ourOwnTimeoutKillIsNeverBlamedOnMemory() throws IOException {
        ExecResult result = run("echo 'oom_kill 1' > \"$COUNTER\"; sleep 30", 0.5);

        assertTrue(result.timedOut());
        assertEquals(137, result.exitCode());
        assertFalse(result.oomKilled());
    }

    @Test
    void aNormalExitIsNotAnOomKillEvenIfSomethingElseWasKilled() throws IOException {
        ExecResult result = run("echo 'oom_kill 1' > \"$COUNTER\"", 10);

        assertEquals(0, result.exitCode());
        assertFalse(result.oomKilled());
    }

    @Test
    void aRunThatEndsOnOomKillsStopsWhenAnyProcessIsKilledForMemory() throws IOException {
        // A child killed for memory leaves its parent waiting, as a browser waits for a killed renderer.
        ExecResult result = run("sleep 0.3; echo 'oom_kill 1' > \"$COUNTER\"; sleep 30", 30,
                CommandRunner.OnOomKill.END);

        assertTrue(result.oomKilled());
        assertFalse(result.timedOut());
        assertEquals(137, result.exitCode());
    }

    @Test
    void aRunThatEndsOnOomKillsStillEndsAtItsDeadlineOrExit() throws IOException {
        ExecResult slow = run("sleep 30", 0.5, CommandRunner.OnOomKill.END);
        assertTrue(slow.timedOut());
        assertFalse(slow.oomKilled());

        ExecResult quick = run("echo done", 10, CommandRunner.OnOomKill.END);
        assertEquals(0, quick.exitCode());
        assertEquals("done\n", quick.stdout().text());
        assertFalse(quick.oomKilled());
    }

    @Test
    void hiddenVariablesAreRemovedFromTheDaemonsEnvironment() throws IOException {
        String someInheritedVariable = System.getenv().keySet().stream()
                .filter(name -> !name.equals("PATH")).findFirst().orElseThrow();
        CommandRunner hiding = new CommandRunner(new Workspace(workspace), new OomKillCounter(List.of()), readers,
                Set.of(someInheritedVariable), Optional.empty());

        ExecResult result = hiding.run(ExecRequest.fromJson(Map.of("command", List.of("env"))));

        assertTrue(result.stdout().text().lines().noneMatch(line -> line.startsWith(someInheritedVariable + "=")),
                result.stdout().text());
        assertTrue(result.stdout().text().contains("PATH="), "everything else is inherited");
    }

    /**
     * The control plane sets JAVA_TOOL_OPTIONS for commands as WHARF_COMMAND_ENV_JAVA_TOOL_OPTIONS, so the daemon's own
     * JVM, started from the same environment, never reads it; commands get it under its real name, and never the
     * prefixed one. A request's own variables still win.
     */
    @Test
    void commandOnlyVariablesLoseTheirPrefixAndTheDaemonsCopyStaysHidden() {
        Map<String, String> environment = new HashMap<>(Map.of(
                "PATH", "/usr/bin",
                "WHARF_SANDBOX_TOKEN", "secret",
                "WHARF_COMMAND_ENV_JAVA_TOOL_OPTIONS", "-Dhttps.proxyHost=172.18.0.1",
                "WHARF_COMMAND_ENV_", "nameless",
                "WHARF_COMMAND_ENV_WHARF_SANDBOX_TOKEN", "never a way round hiding",
                "JAVA_TOOL_OPTIONS", "the daemon's own, replaced"));

        CommandRunner.commandEnvironment(environment, Set.of("WHARF_SANDBOX_TOKEN"));

        assertEquals(Map.of("PATH", "/usr/bin", "JAVA_TOOL_OPTIONS", "-Dhttps.proxyHost=172.18.0.1"), environment);
    }

    private ExecResult run(String script, double timeoutSeconds) throws IOException {
        return run(script, timeoutSeconds, CommandRunner.OnOomKill.CONTINUE);
    }

    private ExecResult run(String script, double timeoutSeconds, CommandRunner.OnOomKill onOomKill)
            throws IOException {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("command", script);
        request.put("timeout_seconds", timeoutSeconds);
        request.put("env", Map.of("COUNTER", counter.toString()));
        return runner.run(ExecRequest.fromJson(request), onOomKill);
    }
}
