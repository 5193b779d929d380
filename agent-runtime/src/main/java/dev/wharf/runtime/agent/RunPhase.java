package dev.wharf.runtime.agent;

import java.util.Map;
import java.util.Set;

/**
 * Where a run is in its life. Every change goes through {@link #canBecome}, the one table of allowed
 * transitions.
 *
 * <pre>
 * WORKING --(loop done, cancelled or failed)--> FINISHING --(finish reported or given up)--> FINISHED
 * WORKING --(the gateway ended the run, or stayed unreachable: nothing to report)-----------> FINISHED
 * </pre>
 */
enum RunPhase {
    /** Calling the model and running tools; the only phase a cancel acts in. */
    WORKING,
    /** Computing artifacts and reporting the outcome; no tool runs and the model is not called again. */
    FINISHING,
    FINISHED;

    private static final Map<RunPhase, Set<RunPhase>> ALLOWED = Map.of(
            WORKING, Set.of(FINISHING, FINISHED),
            FINISHING, Set.of(FINISHED),
            FINISHED, Set.of());

    boolean canBecome(RunPhase next) {
        return ALLOWED.get(this).contains(next);
    }
}
