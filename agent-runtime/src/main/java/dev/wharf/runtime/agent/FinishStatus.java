package dev.wharf.runtime.agent;

/**
 * How a run ended, as {@code GET /agent/runs/{id}} reports it. The first five are also what the
 * runtime reports to {@code /finish}; the last two end a run without any report.
 */
enum FinishStatus {
    COMPLETED("completed"),
    REQUIRES_ACTION("requires_action"),
    FAILED("failed"),
    INCOMPLETE("incomplete"),
    CANCELLED("cancelled"),
    /** The gateway said the run was over (400 FAILED_PRECONDITION or 429). */
    ENDED_BY_GATEWAY("ended_by_gateway"),
    /** The gateway could not be reached for the whole retry window. */
    GATEWAY_UNREACHABLE("gateway_unreachable");

    private final String wireName;

    FinishStatus(String wireName) {
        this.wireName = wireName;
    }

    String wireName() {
        return wireName;
    }
}
