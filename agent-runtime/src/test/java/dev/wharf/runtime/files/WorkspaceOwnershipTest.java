package dev.wharf.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the daemon creates belongs to the owner it is given, so code running as that user can change
 * it, even though the daemon itself runs as another uid. Needs root, which may chown.
 */
class WorkspaceOwnershipTest {

    static final FileOwner USER = new FileOwner(54321, 54322);

    @TempDir
    Path sandbox;
    Path root;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(runsAsRoot(), "only root may give files away");
        // As in a sandbox: the user owns the workspace root and can reach it.
        Files.setPosixFilePermissions(sandbox, PosixFilePermissions.fromString("rwxr-xr-x"));
        root = Files.createDirectory(sandbox.resolve("workspace"));
        Files.setAttribute(root, "unix:uid", USER.uid());
        Files.setAttribute(root, "unix:gid", USER.gid());
    }

    @Test
    void uploadsAndTheDirectoriesMadeForThemBelongToTheOwner() throws IOException {
        Files.createDirectories(root.resolve("existing"));
        WorkspaceFiles files = new WorkspaceFiles(new Workspace(root), USER);

        files.write("existing/made/deeper/report.csv", text("a,b\n"));

        assertEquals(List.of(0, 0), owner(root.resolve("existing")), "what was there keeps its owner");
        assertEquals(List.of(USER.uid(), USER.gid()), owner(root.resolve("existing/made")));
        assertEquals(List.of(USER.uid(), USER.gid()), owner(root.resolve("existing/made/deeper")));
        assertEquals(List.of(USER.uid(), USER.gid()), owner(root.resolve("existing/made/deeper/report.csv")));
    }

    @Test
    void aReplacedFileKeepsItsModeAndPassesToTheOwner() throws IOException {
        Path script = Files.writeString(root.resolve("run.sh"), "echo one\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        WorkspaceFiles files = new WorkspaceFiles(new Workspace(root), USER);

        files.write("run.sh", text("echo two\n"));

        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));
        assertEquals(List.of(USER.uid(), USER.gid()), owner(script));
    }

    @Test
    void codeRunningAsTheOwnerCanChangeChmodAndRemoveWhatTheDaemonWrote() throws Exception {
        WorkspaceFiles files = new WorkspaceFiles(new Workspace(root), USER);
        files.write("out/deep/notes.txt", text("first\n"));

        Process user = new ProcessBuilder("setpriv", "--reuid=" + USER.uid(), "--regid=" + USER.gid(),
                "--clear-groups", "--", "sh", "-c",
                "chmod 600 out/deep/notes.txt && echo second >> out/deep/notes.txt && chmod 700 out/deep"
                        + " && mkdir out/deep/mine && mv out/deep/notes.txt out/deep/mine/"
                        + " && cat out/deep/mine/notes.txt && rm -r out")
                .directory(root.toFile()).redirectErrorStream(true).start();
        String output = new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(true, user.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, user.exitValue(), output);
        assertEquals("first\nsecond\n", output);
    }

    @Test
    void withoutAnOwnerTheDaemonKeepsItsOwn() throws IOException {
        new WorkspaceFiles(new Workspace(root)).write("mine/file.txt", text("x"));

        assertEquals(List.of(0, 0), owner(root.resolve("mine")));
        assertEquals(List.of(0, 0), owner(root.resolve("mine/file.txt")));
    }

    static boolean runsAsRoot() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    }

    static List<Integer> owner(Path path) throws IOException {
        return List.of((Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }

    private static InputStream text(String content) {
        return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
    }
}
