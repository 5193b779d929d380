package dev.wharf.runtime.files;

import dev.wharf.runtime.error.RequestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
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
     * are not artifacts. Every file is hashed in full, streaming, after a walk that follows no link
     * at all: the snapshot found it without links, and a link swapped in since is no artifact. A
     * file that vanishes or becomes unreadable before it is hashed is left out.
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
            Artifact artifact = describe(path);
            if (artifact != null) {
                artifacts.add(artifact);
            }
        }
        return artifacts;
    }

    private Artifact describe(String path) {
        List<Path> location = new ArrayList<>();
        for (String name : path.split("/")) {
            location.add(Path.of(name));
        }
        try (WorkspaceEntry file = workspace.find(location, Workspace.Follow.NONE)) {
            if (!file.exists() || !file.attributes().isRegularFile()) {
                return null;
            }
            FileDigest digest;
            try (InputStream content = Channels.newInputStream(file.openFile())) {
                digest = FileDigest.of(content);
            }
            return new Artifact(path, MimeTypes.of(file.typeName()), digest.sizeBytes(), digest.sha256());
        } catch (IOException | RequestException e) {
            // Gone, swapped or locked away by a command since the walk: not something we can describe.
            return null;
        }
    }
}
