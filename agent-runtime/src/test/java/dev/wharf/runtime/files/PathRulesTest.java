package dev.wharf.runtime.files;

import static dev.wharf.runtime.ApiClient.encode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.ApiClient;
import dev.wharf.runtime.ApiResponse;
import dev.wharf.runtime.RunningDaemon;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way out of the workspace, tried against every file operation over real HTTP. */
class PathRulesTest {

    private static final String PLANTED = "planted-by-test.txt";

    @TempDir
    static Path workspace;
    /** Stands in for the rest of the file system, where writes could be checked for. */
    @TempDir
    static Path outside;
    static RunningDaemon daemon;
    static ApiClient api;

    @BeforeAll
    static void start() throws IOException {
        Files.writeString(outside.resolve("secret.txt"), "top secret");
        Files.createSymbolicLink(workspace.resolve("etc-link"), Path.of("/etc"));
        Files.createSymbolicLink(workspace.resolve("outside-link"), outside);
        Files.createSymbolicLink(workspace.resolve("secret-link"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(workspace.resolve("environ-link"), Path.of("/proc/self/environ"));
        // Refused without looking: whether its target exists outside is none of the caller's business.
        Files.createSymbolicLink(workspace.resolve("dangling-out-link"), outside.resolve("does-not-exist"));
        Files.createSymbolicLink(workspace.resolve("parent-link"), Path.of(".."));
        Files.createSymbolicLink(workspace.resolve("loop-a"), Path.of("loop-b"));
        Files.createSymbolicLink(workspace.resolve("loop-b"), Path.of("loop-a"));
        Files.createDirectories(workspace.resolve("inner"));
        daemon = RunningDaemon.start(workspace);
        api = daemon.client();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        daemon.close();
    }

    enum Operation {
        LIST(path -> api.get("/files?recursive=true&path=" + encode(path))),
        READ(path -> api.get("/files/content?path=" + encode(path))),
        WRITE(path -> api.put("/files/content?path=" + encode(path), HttpRequest.BodyPublishers.ofString("x"))),
        DELETE(path -> api.delete("/files?path=" + encode(path))),
        EXEC_CWD(path -> api.exec(Map.of("command", "pwd", "cwd", path)));

        private final Function<String, ApiResponse> call;

        Operation(Function<String, ApiResponse> call) {
            this.call = call;
        }
    }

    static Stream<Arguments> escapes() {
        List<String[]> paths = List.of(
                new String[] {"../x", "path escapes"},
                new String[] {"..", "path escapes"},
                new String[] {"inner/../../x", "path escapes"},
                new String[] {"inner/../inner", "path escapes"},
                new String[] {"/etc/passwd", "path must be relative to"},
                new String[] {"/etc", "path must be relative to"},
                new String[] {"etc-link/passwd", "path escapes"},
                new String[] {"outside-link/" + PLANTED, "path escapes"},
                new String[] {"outside-link/new-dir/" + PLANTED, "path escapes"},
                new String[] {"..\\..\\etc\\passwd", "path must not contain backslashes"},
                new String[] {"inner\0/x", "path must not contain NUL characters"});
        return Stream.of(Operation.values()).flatMap(operation -> paths.stream()
                .map(path -> Arguments.of(operation, path[0], path[1])));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("escapes")
    void pathsLeavingTheWorkspaceAreRefused(Operation operation, String path, String message) {
        Map<String, Object> error = operation.call.apply(path).error(400, "INVALID_ARGUMENT");

        assertTrue(((String) error.get("message")).startsWith(message), error.toString());
        assertFalse(Files.exists(outside.resolve(PLANTED)), "a write escaped the workspace");
        assertFalse(Files.exists(outside.resolve("new-dir")), "a directory was created outside the workspace");
    }

    static Stream<Arguments> symlinksOut() {
        return Stream.of(Operation.LIST, Operation.READ, Operation.WRITE, Operation.EXEC_CWD)
                .flatMap(operation -> Stream.of("etc-link", "outside-link", "secret-link", "environ-link",
                                "dangling-out-link", "parent-link", "parent-link/tmp")
                        .map(link -> Arguments.of(operation, link)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("symlinksOut")
    void aSymlinkPointingOutsideCannotBeFollowed(Operation operation, String link) {
        ApiResponse response = operation.call.apply(link);

        response.error(400, "INVALID_ARGUMENT");
        assertFalse(response.text().contains("top secret"));
        assertFalse(response.text().contains(daemon.token()), "the daemon's environment leaked");
    }

    static Stream<Operation> readingOperations() {
        return Stream.of(Operation.LIST, Operation.READ, Operation.EXEC_CWD);
    }

    @ParameterizedTest
    @MethodSource("readingOperations")
    void aLinkLoopIsARefusalNotAnInternalError(Operation operation) {
        Map<String, Object> error = operation.call.apply("loop-a/x").error(400, "FAILED_PRECONDITION");

        assertTrue(((String) error.get("message")).startsWith("too many levels of symbolic links"), error.toString());
    }

    @Test
    void writingOntoALinkThatLeadsNowhereInsideReplacesTheLinkItself() throws IOException {
        Files.createSymbolicLink(workspace.resolve("to-nothing"), Path.of("missing-dir/missing.txt"));

        api.put("/files/content?path=to-nothing", HttpRequest.BodyPublishers.ofString("now a file")).ok();

        assertFalse(Files.isSymbolicLink(workspace.resolve("to-nothing")));
        assertEquals("now a file", Files.readString(workspace.resolve("to-nothing")));
        assertFalse(Files.exists(workspace.resolve("missing-dir")), "a write never creates what a link names");
    }

    @Test
    void refusalsNameTheWorkspaceButNothingElseOfTheHost() {
        String message = (String) api.get("/files/content?path=" + encode("etc-link/passwd"))
                .error(400, "INVALID_ARGUMENT").get("message");

        assertEquals("path escapes " + workspace.toAbsolutePath().normalize(), message);
    }

    @Test
    void writingThroughASymlinkThatStaysInsideWritesItsTarget() throws IOException {
        Files.createDirectories(workspace.resolve("results/run-1"));
        Files.createSymbolicLink(workspace.resolve("latest"), workspace.resolve("results/run-1"));

        api.put("/files/content?path=" + encode("latest/out.txt"), HttpRequest.BodyPublishers.ofString("hi")).ok();

        assertEquals("hi", Files.readString(workspace.resolve("results/run-1/out.txt")));
        assertEquals("hi", api.get("/files/content?path=" + encode("latest/out.txt")).ok().text());
    }
}
