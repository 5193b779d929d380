package dev.wharf.runtime.exec;

import java.util.List;
import java.util.stream.Collectors;

/** Kills a command together with everything it started. */
final class ProcessTree {

    private ProcessTree() {
    }

    /**
     * Descendants go first: once a parent dies its children are re-parented away from it and can
     * no longer be found from here. SIGKILL, because a command past its deadline gets no say.
     */
    static void kill(ProcessHandle root) {
        List<ProcessHandle> descendants = root.descendants().collect(Collectors.toList());
        descendants.forEach(ProcessHandle::destroyForcibly);
        root.destroyForcibly();
    }
}
