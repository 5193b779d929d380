package dev.wharf.runtime.files;

import java.nio.file.Path;

/**
 * A caller's path after {@link Workspace} accepted it.
 *
 * @param relative the path as the caller should see it: relative to the workspace, {@code /}
 *                 separated, empty for the workspace root
 * @param location where to do the I/O: every existing component already resolved to its real
 *                 path, so no symlink is followed again after the check
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
