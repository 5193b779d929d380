package dev.wharf.runtime.files;

import java.nio.file.Path;

/**
 * A path handed to something outside the daemon's own file I/O (a command's working directory),
 * after {@link Workspace#locate} walked it. The daemon itself never opens {@code location} by name:
 * its file operations work through descriptors (see {@link Workspace}).
 *
 * @param relative the path as the caller should see it: relative to the workspace, {@code /}
 *                 separated, empty for the workspace root
 * @param location where the walk found it, every link resolved, as an absolute path
 */
public record WorkspacePath(String relative, Path location) {

    public boolean isRoot() {
        return relative.isEmpty();
    }

    /** The relative path of a child of this path. */
    public String child(String name) {
        return isRoot() ? name : relative + "/" + name;
    }
}
