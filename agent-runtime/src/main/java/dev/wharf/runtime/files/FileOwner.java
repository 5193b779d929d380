package dev.wharf.runtime.files;

/**
 * The numeric owner given to everything the daemon creates in the workspace: the sandbox user, so
 * code running as that user can change, chmod and remove what the daemon wrote, even when the
 * daemon runs as another uid.
 */
public record FileOwner(int uid, int gid) {

    public FileOwner {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative: " + uid + ":" + gid);
        }
    }
}
