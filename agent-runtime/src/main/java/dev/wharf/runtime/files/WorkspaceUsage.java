package dev.wharf.runtime.files;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Measures how much the workspace holds; the control plane meters and caps environments by it. */
public final class WorkspaceUsage {

    private final Workspace workspace;

    public WorkspaceUsage(Workspace workspace) {
        this.workspace = workspace;
    }

    /**
     * Symlinks are not followed: a link to a big file, or to the file system root, must not count
     * as workspace content. Unreadable corners are skipped rather than failing the whole count,
     * since commands can create directories the daemon may not enter.
     */
    public Usage measure() throws IOException {
        long[] totals = new long[2];
        Files.walkFileTree(workspace.realRoot(), new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    totals[0]++;
                    totals[1] += attributes.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) {
                return FileVisitResult.CONTINUE;
            }
        });
        return new Usage(totals[0], totals[1]);
    }
}
