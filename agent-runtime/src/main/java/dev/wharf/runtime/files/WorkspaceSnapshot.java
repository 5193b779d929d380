package dev.wharf.runtime.files;

import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The size and modification time of every regular file in the workspace at one moment. An agent run
 * takes one when it starts; what differs at its end are the run's artifacts.
 */
public final class WorkspaceSnapshot {

    /**
     * The walk stops after this many files. Each costs roughly 150 bytes of heap, so the cap keeps a
     * snapshot (two at once while artifacts are computed) within a few MiB of the daemon's 64 MiB.
     */
    public static final int MAX_FILES = 50_000;

    private final Map<String, Stamp> stamps;
    private final boolean truncated;
    private final Instant takenAt;

    private WorkspaceSnapshot(Map<String, Stamp> stamps, boolean truncated, Instant takenAt) {
        this.stamps = stamps;
        this.truncated = truncated;
        this.takenAt = takenAt;
    }

    /**
     * Walks the workspace without following symlinks (see {@link FileTree}): a link is not content
     * the run produced, and following one out of the workspace would hash files the caller may not
     * download. Unreadable directories are skipped, since commands can create ones the daemon may
     * not enter.
     */
    public static WorkspaceSnapshot take(Workspace workspace) throws IOException {
        Instant takenAt = Instant.now();
        Map<String, Stamp> stamps = new HashMap<>();
        boolean[] truncated = new boolean[1];
        FileTree.walk(workspace, (relative, name, attributes) -> {
            if (!attributes.isRegularFile() || name.toString().startsWith(WorkspaceFiles.UPLOAD_PREFIX)) {
                return true;
            }
            if (stamps.size() == MAX_FILES) {
                truncated[0] = true;
                return false;
            }
            stamps.put(relative, new Stamp(attributes.size(), attributes.lastModifiedTime()));
            return true;
        });
        return new WorkspaceSnapshot(stamps, truncated[0], takenAt);
    }

    /**
     * Whether the file at {@code path}, now with {@code current}, is new or changed since this
     * snapshot. When the walk was cut short, a path it never reached may well be old, so only a
     * modification time after the snapshot counts then.
     */
    boolean differs(String path, Stamp current) {
        Stamp before = stamps.get(path);
        if (before != null) {
            return !before.equals(current);
        }
        return !truncated || current.modified().toInstant().isAfter(takenAt);
    }

    Map<String, Stamp> stamps() {
        return stamps;
    }

    /** What identifies a version of a file without reading it. */
    record Stamp(long size, FileTime modified) {
    }
}
