package dev.wharf.runtime.exec;

import java.util.List;
import java.util.stream.Collectors;

/** Kills a command together with everything it started. */
final class ProcessTree {

    private ProcessTree() {
    }

    /**
     * The tree is listed first: once a parent dies its children are re-parented away from it and can
     * no longer be found from here. Then the root dies before its descendants, so a shell cannot go on
     * to its next command when the child it waits for is killed ({@code sleep 60; echo never} must not
     * print). SIGKILL, because a command past its deadline gets no say.
     */
    static void kill(ProcessHandle root) {
        List<ProcessHandle> descendants = root.descendants().collect(Collectors.toList());
        root.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
