package dev.wharf.runtime.files;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Finds the files created or modified in the workspace since a snapshot: a run's artifacts. */
public final class WorkspaceChanges {

    /** At most this many artifacts are reported, the first ones by path. */
    public static final int MAX_ARTIFACTS = 1000;

    private final Workspace workspace;

    public WorkspaceChanges(Workspace workspace) {
        this.workspace = workspace;
    }

    public WorkspaceSnapshot snapshot() throws IOException {
        return WorkspaceSnapshot.take(workspace);
    }

    /**
     * New paths, and paths whose size or modification time changed, sorted by path. Deleted files
     * are not artifacts. Every file is hashed in full, streaming; a file that vanishes or becomes
     * unreadable before it is hashed is left out.
     */
    public List<Artifact> since(WorkspaceSnapshot before) throws IOException {
        WorkspaceSnapshot after = WorkspaceSnapshot.take(workspace);
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, WorkspaceSnapshot.Stamp> file : after.stamps().entrySet()) {
            if (before.differs(file.getKey(), file.getValue())) {
                changed.add(file.getKey());
            }
        }
        changed.sort(null);
        List<Artifact> artifacts = new ArrayList<>();
        for (String path : changed) {
            if (artifacts.size() == MAX_ARTIFACTS) {
                break;
            }
            Path location = workspace.realRoot().resolve(path);
            try {
                FileDigest digest = FileDigest.of(location);
                artifacts.add(new Artifact(path, MimeTypes.of(location), digest.sizeBytes(), digest.sha256()));
            } catch (IOException e) {
                // Gone or locked away by a command since the walk: not something we can describe.
            }
        }
        return artifacts;
    }
}
