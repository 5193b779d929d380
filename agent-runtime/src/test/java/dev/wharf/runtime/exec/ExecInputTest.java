package dev.wharf.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.ApiClient;
import dev.wharf.runtime.RunningDaemon;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Text no process or path can carry is refused with a 400 naming the field, over real HTTP, never a 500. */
class ExecInputTest {

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
