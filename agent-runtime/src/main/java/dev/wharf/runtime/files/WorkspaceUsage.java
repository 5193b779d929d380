package dev.wharf.runtime.files;

import java.io.IOException;

/** Measures how much the workspace holds; the control plane meters and caps environments by it. */
public final class WorkspaceUsage {

    private final Workspace workspace;

    public WorkspaceUsage(Workspace workspace) {
        this.workspace = workspace;
    }

    /**
     * Symlinks are not followed, not even one swapped in mid-walk: a link to a big file, or to the
     * file system root, must not count as workspace content. Unreadable corners are skipped rather
     * than failing the whole count, since commands can create directories the daemon may not enter.
     */
    public Usage measure() throws IOException {
        long[] totals = new long[2];
        FileTree.walk(workspace, (relative, name, attributes) -> {
            if (attributes.isRegularFile()) {
                totals[0]++;
                totals[1] += attributes.size();
            }
            return true;
        });
        return new Usage(totals[0], totals[1]);
    }
}
