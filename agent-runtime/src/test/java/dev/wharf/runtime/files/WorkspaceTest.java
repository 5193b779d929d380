package dev.wharf.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.files.Workspace.Follow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkspaceTest {

    @TempDir
    Path root;
    @TempDir
    Path outside;

    private Workspace workspace;
    private Path realRoot;

    @BeforeEach
    void setUp() throws IOException {
        workspace = new Workspace(root);
        realRoot = root.toRealPath();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "./", ".//."})
    void emptyAndDotMeanTheRoot(String path) throws IOException {
        WorkspacePath located = workspace.locate(path);

        assertTrue(located.isRoot());
        assertEquals(realRoot, located.location());
    }

    @Test
    void redundantSeparatorsAndDotsAreCleanedUp() throws IOException {
        WorkspacePath located = workspace.locate("./out//data/./table.csv/");

        assertEquals("out/data/table.csv", located.relative());
        assertEquals(realRoot.resolve("out/data/table.csv"), located.location());
    }

    @Test
    void namesThatOnlyLookLikeDotsAreOrdinary() throws IOException {
        assertEquals("..hidden/x..", workspace.locate("..hidden/x..").relative());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/passwd", "/", "//x"})
    void absolutePathsAreRefused(String path) {
        assertRefused(path, "path must be relative to " + root.toAbsolutePath().normalize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/../b", "a/b/../../..", "a/.."})
    void anyDotDotSegmentIsRefusedEvenIfItWouldStayInside(String path) {
        assertRefused(path, "path escapes " + root.toAbsolutePath().normalize());
    }

    @Test
    void nulAndBackslashAreRefused() {
        assertRefused("a\0b", "path must not contain NUL characters");
        assertRefused("..\\etc\\passwd", "path must not contain backslashes");
    }

    @Test
    void aSymlinkLeavingTheWorkspaceIsRefusedForExistingAndNewTargets() throws IOException {
        Files.writeString(outside.resolve("secret"), "s");
        Files.createSymbolicLink(root.resolve("escape"), outside);

        assertRefused("escape", "path escapes");
        assertRefused("escape/secret", "path escapes");
        assertRefused("escape/not-yet/there.txt", "path escapes");
        assertWalkRefused("escape/new.txt", Follow.WRITE, ErrorStatus.INVALID_ARGUMENT, "path escapes");
    }

    @Test
    void aSymlinkStayingInsideResolvesToItsTarget() throws IOException {
        Files.createDirectories(root.resolve("runs/7"));
        Files.createSymbolicLink(root.resolve("latest"), root.resolve("runs/7"));

        WorkspacePath existing = workspace.locate("latest");

        assertEquals("latest", existing.relative());
        assertEquals(realRoot.resolve("runs/7"), existing.location());
        try (WorkspaceEntry future = workspace.findForWrite("latest/new/file.txt", Ownership.NONE)) {
            assertEquals(names("runs", "7", "new", "file.txt"), future.location());
            assertFalse(future.exists());
        }
        assertTrue(Files.isDirectory(root.resolve("runs/7/new")), "a write creates what it names below a link");
    }

    @Test
    void relativeTargetsAreWalkedFromTheLinksDirectoryAndMayNotClimbOut() throws IOException {
        Files.createDirectories(root.resolve("a/deep"));
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("b/data.csv"), "1");
        Files.createSymbolicLink(root.resolve("a/deep/sideways"), Path.of("../../b"));
        Files.createSymbolicLink(root.resolve("a/here"), Path.of("."));
        Files.createSymbolicLink(root.resolve("a/out"), Path.of("../../x"));
        Files.createSymbolicLink(root.resolve("a/absolute"), realRoot.resolve("b/data.csv"));

        assertEquals(names("b", "data.csv"), location("a/deep/sideways/data.csv"));
        assertEquals(names("a"), location("a/here"));
        assertEquals(names("a", "deep"), location("a/here/here/deep"));
        assertEquals(names("b", "data.csv"), location("a/absolute"));
        assertRefused("a/out", "path escapes");
        assertRefused("a/out/y", "path escapes");
    }

    @Test
    void aDanglingSymlinkIsMissingForReadsAndReplacedItselfByWrites() throws IOException {
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("nothing"));
        Files.createSymbolicLink(root.resolve("dangling-deeper"), Path.of("nothing/there"));

        try (WorkspaceEntry read = workspace.find("dangling", Follow.ALL)) {
            assertFalse(read.exists());
        }
        try (WorkspaceEntry write = workspace.findForWrite("dangling", Ownership.NONE)) {
            assertEquals(names("dangling"), write.location());
            assertTrue(write.attributes().isSymbolicLink());
        }
        try (WorkspaceEntry write = workspace.findForWrite("dangling-deeper", Ownership.NONE)) {
            assertEquals(names("dangling-deeper"), write.location());
        }
        assertFalse(Files.exists(root.resolve("nothing")), "a write never creates what a link names");
        assertWalkRefused("dangling-deeper", Follow.ALL, ErrorStatus.NOT_FOUND, "no such file or directory");
        assertWalkRefused("dangling/x", Follow.WRITE, ErrorStatus.FAILED_PRECONDITION, "a parent of the path");
    }

    @Test
    void aDanglingSymlinkOutIsRefusedWithoutLookingOutside() throws IOException {
        Files.createSymbolicLink(root.resolve("dangling-out"), outside.resolve("does-not-exist"));

        assertRefused("dangling-out", "path escapes");
        assertWalkRefused("dangling-out", Follow.WRITE, ErrorStatus.INVALID_ARGUMENT, "path escapes");
    }

    @Test
    void entriesAreLocatedWithoutFollowingTheirOwnSymlink() throws IOException {
        Files.createSymbolicLink(root.resolve("escape"), outside);

        try (WorkspaceEntry entry = workspace.find("escape", Follow.PARENTS)) {
            assertEquals(names("escape"), entry.location());
            assertTrue(entry.attributes().isSymbolicLink());
        }
        assertWalkRefused("escape/anything", Follow.PARENTS, ErrorStatus.INVALID_ARGUMENT, "path escapes");
    }

    @Test
    void aLinkLoopIsRefusedAfterABoundedNumberOfHops() throws IOException {
        Files.createSymbolicLink(root.resolve("ping"), Path.of("pong"));
        Files.createSymbolicLink(root.resolve("pong"), Path.of("ping"));

        assertWalkRefused("ping", Follow.ALL, ErrorStatus.FAILED_PRECONDITION, "too many levels of symbolic links");
        assertWalkRefused("ping/x", Follow.ALL, ErrorStatus.FAILED_PRECONDITION, "too many levels of symbolic links");
    }

    @Test
    void aFileOnTheWayIsMissingForReadsAndAPreconditionForWrites() throws IOException {
        Files.writeString(root.resolve("plain.txt"), "x");

        assertWalkRefused("plain.txt/child", Follow.ALL, ErrorStatus.NOT_FOUND, "no such file or directory");
        assertWalkRefused("plain.txt/child", Follow.WRITE, ErrorStatus.FAILED_PRECONDITION, "a parent of the path");
    }

    @Test
    void walksThatFollowNoLinkTreatEveryLinkAsMissing() throws IOException {
        Files.createDirectories(root.resolve("real"));
        Files.writeString(root.resolve("real/f.txt"), "x");
        Files.createSymbolicLink(root.resolve("alias"), Path.of("real"));

        try (WorkspaceEntry entry = workspace.find(names("real", "f.txt"), Follow.NONE)) {
            assertTrue(entry.attributes().isRegularFile());
        }
        assertThrows(RequestException.class, () -> workspace.find(names("alias", "f.txt"), Follow.NONE));
        assertThrows(RequestException.class, () -> workspace.find(names("alias"), Follow.NONE));
    }

    private List<Path> location(String path) throws IOException {
        try (WorkspaceEntry entry = workspace.find(path, Follow.ALL)) {
            assertTrue(entry.exists(), path);
            return entry.location();
        }
    }

    private static List<Path> names(String... names) {
        return Stream.of(names).map(Path::of).collect(Collectors.toList());
    }

    private void assertWalkRefused(String path, Follow follow, ErrorStatus status, String message) {
        RequestException refused = assertThrows(RequestException.class, () -> {
            WorkspaceEntry entry = follow == Follow.WRITE ? workspace.findForWrite(path, Ownership.NONE)
                    : workspace.find(path, follow);
            entry.close();
        });
        assertEquals(status, refused.status(), refused.getMessage());
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }

    private void assertRefused(String path, String message) {
        RequestException refused = assertThrows(RequestException.class, () -> workspace.locate(path));
        assertEquals(ErrorStatus.INVALID_ARGUMENT, refused.status());
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }
}
