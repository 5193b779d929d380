package dev.wharf.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceChangesTest {

    @TempDir
    Path workspace;
    WorkspaceChanges changes;

    @BeforeEach
    void setUp() throws IOException {
        changes = new WorkspaceChanges(new Workspace(workspace));
    }

    @Test
    void newAndChangedFilesAreArtifactsWithTheirDigest() throws Exception {
        Files.writeString(workspace.resolve("same.txt"), "unchanged");
        Files.writeString(workspace.resolve("grown.txt"), "short");
        Path touched = Files.writeString(workspace.resolve("touched.txt"), "same size");
        Files.writeString(workspace.resolve("deleted.txt"), "bye");
        WorkspaceSnapshot before = changes.snapshot();

        Files.writeString(workspace.resolve("grown.txt"), "much longer now");
        Files.setLastModifiedTime(touched, FileTime.from(Instant.now().plusSeconds(5)));
        Files.delete(workspace.resolve("deleted.txt"));
        Files.createDirectories(workspace.resolve("out/deep"));
        byte[] report = "a,b\n1,2\n".getBytes();
        Files.write(workspace.resolve("out/deep/report.csv"), report);

        List<Artifact> artifacts = changes.since(before);

        assertEquals(List.of("grown.txt", "out/deep/report.csv", "touched.txt"), paths(artifacts));
        assertEquals(new Artifact("out/deep/report.csv", "text/csv", report.length,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(report))), artifacts.get(1));
    }

    @Test
    void symlinksAndUnfinishedUploadsAreNotArtifacts() throws IOException {
        Path outside = Files.createTempFile("wharf-outside", ".txt");
        try {
            WorkspaceSnapshot before = changes.snapshot();
            Files.createSymbolicLink(workspace.resolve("link.txt"), outside);
            Files.createSymbolicLink(workspace.resolve("linked-dir"), outside.getParent());
            Files.writeString(workspace.resolve(WorkspaceFiles.UPLOAD_PREFIX + "123"), "partial");

            assertEquals(List.of(), changes.since(before));
        } finally {
            Files.delete(outside);
        }
    }

    @Test
    void theNumberOfArtifactsIsCappedKeepingTheFirstPaths() throws IOException {
        WorkspaceSnapshot before = changes.snapshot();
        for (int i = 0; i < WorkspaceChanges.MAX_ARTIFACTS + 5; i++) {
            Files.writeString(workspace.resolve(String.format("f%05d.txt", i)), "x");
        }

        List<Artifact> artifacts = changes.since(before);

        assertEquals(WorkspaceChanges.MAX_ARTIFACTS, artifacts.size());
        assertEquals("f00000.txt", artifacts.get(0).path());
        assertEquals(String.format("f%05d.txt", WorkspaceChanges.MAX_ARTIFACTS - 1),
                artifacts.get(artifacts.size() - 1).path());
    }

    @Test
    void aLargeFileIsHashedInFull() throws Exception {
        WorkspaceSnapshot before = changes.snapshot();
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(content);
        Files.write(workspace.resolve("big.bin"), content);

        Artifact artifact = changes.since(before).get(0);

        assertEquals(content.length, artifact.sizeBytes());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)), artifact.sha256());
        assertEquals("application/octet-stream", artifact.mimeType());
    }

    private static List<String> paths(List<Artifact> artifacts) {
        return artifacts.stream().map(Artifact::path).collect(Collectors.toList());
    }
}
