package dev.wharf.runtime.exec;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions commands started in (a command's session id is its pid), including those that outlived their
 * command in the background, and which of them {@link ProcessLimitGuard} ended.
 */
final class CommandSessions {

    private final Set<Long> started = ConcurrentHashMap.newKeySet();
    private final Set<Long> endedAtLimit = ConcurrentHashMap.newKeySet();

    void started(long session) {
        started.add(session);
    }

    Set<Long> started() {
        return started;
    }

    /** Forgets sessions with no process left, so a long-lived sandbox's thousands of commands cost nothing. */
    void forgetEmpty(Set<Long> alive) {
        started.retainAll(alive);
        endedAtLimit.retainAll(alive);
    }

    void endedAtLimit(long session) {
        endedAtLimit.add(session);
    }

    /** Whether the guard ended this session; asking consumes the answer. */
    boolean wasEndedAtLimit(long session) {
        return endedAtLimit.remove(session);
    }
}
