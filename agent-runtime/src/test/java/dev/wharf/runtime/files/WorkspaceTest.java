package dev.wharf.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    }

    @Test
    void aSymlinkStayingInsideResolvesToItsTarget() throws IOException {
        Files.createDirectories(root.resolve("runs/7"));
        Files.createSymbolicLink(root.resolve("latest"), root.resolve("runs/7"));

        WorkspacePath existing = workspace.locate("latest");
        WorkspacePath future = workspace.locate("latest/new/file.txt");

        assertEquals("latest", existing.relative());
        assertEquals(realRoot.resolve("runs/7"), existing.location());
        assertEquals(realRoot.resolve("runs/7/new/file.txt"), future.location());
    }

    @Test
    void aDanglingSymlinkIsTreatedAsMissingAndNeverFollowed() throws IOException {
        Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("does-not-exist"));

        assertEquals(realRoot.resolve("dangling"), workspace.locate("dangling").location());
    }

    @Test
    void entriesAreLocatedWithoutFollowingTheirOwnSymlink() throws IOException {
        Files.createSymbolicLink(root.resolve("escape"), outside);

        assertEquals(realRoot.resolve("escape"), workspace.locateEntry("escape").location());
        assertRefused("escape/anything", "path escapes");
    }

    private void assertRefused(String path, String message) {
        RequestException refused = assertThrows(RequestException.class, () -> workspace.locate(path));
        assertEquals(ErrorStatus.INVALID_ARGUMENT, refused.status());
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }
}
