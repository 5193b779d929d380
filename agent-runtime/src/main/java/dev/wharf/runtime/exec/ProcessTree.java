package dev.wharf.runtime.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** Kills a command together with everything it started. */
final class ProcessTree {

    /**
     * Sweeps of the session before giving up. A sweep kills every member it saw; only a member forking between
     * the listing and its SIGKILL adds one for the next sweep, so a fork bomb is gone after a few.
     */
    static final int MAX_SESSION_SWEEPS = 100;
    private static final Path PROC = Path.of("/proc");
    /** In /proc/<pid>/stat, after the command name's closing parenthesis: state, ppid, pgrp, session. */
    private static final int SESSION_FIELD = 3;
    private static final String ZOMBIE = "Z";

    private ProcessTree() {
    }

    /**
     * The tree is listed first: once a parent dies its children are re-parented away from it and can
     * no longer be found from here. Then the root dies before its descendants, so a shell cannot go on
     * to its next command when the child it waits for is killed ({@code sleep 60; echo never} must not
     * print). SIGKILL, because a command past its deadline gets no say. Last, the root's session: it
     * holds the orphans the tree no longer shows (CommandRunner starts every command as a session leader,
     * so its session id is its pid).
     */
    static void kill(ProcessHandle root) {
        List<ProcessHandle> descendants = root.descendants().collect(Collectors.toList());
        root.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        killSession(root.pid());
    }

    /** SIGKILLs every process of the session until none is left, or {@link #MAX_SESSION_SWEEPS} passed. */
    static void killSession(long session) {
        for (int sweep = 0; sweep < MAX_SESSION_SWEEPS; sweep++) {
            List<ProcessHandle> members = ProcessHandle.allProcesses()
                    .filter(process -> sessionOf(process.pid()).orElse(-1) == session)
                    .collect(Collectors.toList());
            if (members.isEmpty()) {
                return;
            }
            members.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Empty when the process is gone (or this is not Linux), and for a zombie: it is already dead, and
     * waits only for its parent to collect it, which no signal hastens.
     */
    static OptionalLong sessionOf(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
            // The command name may hold spaces and parentheses; the fields after its last ')' cannot.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (fields[0].equals(ZOMBIE)) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(fields[SESSION_FIELD]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
