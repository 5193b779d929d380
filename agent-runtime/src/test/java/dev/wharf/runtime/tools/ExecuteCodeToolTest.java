package dev.wharf.runtime.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.wharf.runtime.ProcessState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecuteCodeToolTest {

    @TempDir
    Path workspace;
    ToolTestBench bench;

    @BeforeEach
    void setUp() throws IOException {
        bench = new ToolTestBench(workspace, workspace.resolve("no-chromium"));
    }

    @AfterEach
    void tearDown() {
        bench.close();
    }

    @Test
    void pythonRunsInTheWorkspaceAndAnswersWithTheExecResult() throws IOException {
        ToolOutput output = bench.call("execute_code", Map.of("language", "python",
                "code", "import os\nprint(os.getcwd())\nopen('made.txt', 'w').write('x')"));

        assertFalse(output.isError(), output.text());
        Map<String, Object> result = JSON.std.mapFrom(output.text());
        assertEquals(0, result.get("exit_code"));
        assertEquals(workspace.toRealPath() + "\n", result.get("stdout"));
        assertEquals(false, result.get("timed_out"));
        assertTrue(Files.exists(workspace.resolve("made.txt")));
    }

    @Test
    void aNonZeroExitIsAnErrorResultThatStillCarriesTheOutput() throws IOException {
        ToolOutput output = bench.call("execute_code", Map.of("language", "bash", "code", "echo out; echo err >&2; exit 4"));

        assertTrue(output.isError());
        Map<String, Object> result = JSON.std.mapFrom(output.text());
        assertEquals(4, result.get("exit_code"));
        assertEquals("out\n", result.get("stdout"));
        assertEquals("err\n", result.get("stderr"));
    }

    @Test
    void outputIsCutAtTheRunsLimit() throws IOException {
        ToolOutput output = bench.call("execute_code", Map.of("language", "bash", "code", "head -c 100000 /dev/zero"));

        Map<String, Object> result = JSON.std.mapFrom(output.text());
        assertEquals(ToolTestBench.LIMITS.maxOutputBytes(), ((String) result.get("stdout")).length());
        assertEquals(true, result.get("stdout_truncated"));
    }

    @Test
    void otherLanguagesAreRefused() {
        assertEquals(ToolOutput.error("language must be python or bash, not ruby"),
                bench.call("execute_code", Map.of("language", "ruby", "code", "puts 1")));
    }

    /** How cancel stops a tool: the loop thread is interrupted, and the runner kills the tree. */
    @Test
    void interruptingTheCallerKillsTheProcessTree() throws Exception {
        AtomicReference<ToolOutput> output = new AtomicReference<>();
        Thread caller = new Thread(() -> output.set(bench.call("execute_code", Map.of("language", "bash",
                "code", "sleep 60 & echo $! > child.pid; wait"))));
        caller.start();
        Path pidFile = workspace.resolve("child.pid");
        while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
            Thread.sleep(20);
        }

        caller.interrupt();
        caller.join(Duration.ofSeconds(2).toMillis());

        assertFalse(caller.isAlive());
        assertTrue(ProcessState.becomesDead(Long.parseLong(Files.readString(pidFile).trim()), Duration.ofSeconds(1)));
        assertTrue(output.get().isError());
    }

    @Test
    void theBuiltinToolsAreDeclaredWithSchemas() {
        List<Map<String, Object>> declarations = bench.tools().declarations();

        assertEquals(BuiltinTools.NAMES, declarations.stream().map(d -> d.get("name")).collect(
                java.util.stream.Collectors.toList()));
        Map<?, ?> parameters = (Map<?, ?>) declarations.get(0).get("parameters");
        assertEquals(List.of("language", "code"), parameters.get("required"));
        assertEquals(List.of("python", "bash"), ((Map<?, ?>) ((Map<?, ?>) parameters.get("properties"))
                .get("language")).get("enum"));
    }
}
