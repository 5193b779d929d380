package dev.wharf.runtime.exec;

/**
 * The unprivileged user commands run as, apart from the daemon's own uid: user code then cannot read the
 * daemon's memory or {@code /proc/<pid>/environ}, signal it, ptrace it or attach to its JVM, since the kernel
 * allows each of those only to the same uid (or to a capability user code never has).
 */
public record CommandUser(int uid, int gid) {

    public CommandUser {
        if (uid <= 0 || gid <= 0) {
            throw new IllegalArgumentException("commands must run as an unprivileged user, not uid " + uid
                    + " gid " + gid);
        }
    }

    /** {@code "UID:GID"}, both numeric. */
    public static CommandUser parse(String value) {
        int colon = value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("--run-as must be UID:GID, not " + value);
        }
        try {
            return new CommandUser(Integer.parseInt(value.substring(0, colon)),
                    Integer.parseInt(value.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--run-as must be numeric UID:GID, not " + value);
        }
    }
}
