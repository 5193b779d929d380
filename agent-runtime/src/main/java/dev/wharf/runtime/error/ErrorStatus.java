package dev.wharf.runtime.error;

/**
 * The google.rpc canonical codes this daemon answers with, each bound to the HTTP status the
 * control plane sees. The envelope always carries both, and they always agree.
 */
public enum ErrorStatus {
    INVALID_ARGUMENT(400),
    /** Used instead of 409 for "is a directory" style conflicts: clients retry 409. */
    FAILED_PRECONDITION(400),
    UNAUTHENTICATED(401),
    PERMISSION_DENIED(403),
    NOT_FOUND(404),
    /** A known route called with a method it does not serve. */
    UNIMPLEMENTED(405),
    /** A request body or an upload that does not fit. */
    RESOURCE_EXHAUSTED(413),
    /**
     * The sandbox cannot take more work now: its process limit is reached, or too many commands run. Retrying
     * later may work, so it is the canonical RESOURCE_EXHAUSTED with 429, not the 413 of a body that never fits.
     */
    BUSY(429, "RESOURCE_EXHAUSTED"),
    INTERNAL(500);

    private final int httpStatus;
    private final String wire;

    ErrorStatus(int httpStatus) {
        this.httpStatus = httpStatus;
        this.wire = name();
    }

    ErrorStatus(int httpStatus, String wire) {
        this.httpStatus = httpStatus;
        this.wire = wire;
    }

    /** The canonical code's name, as the envelope's {@code status}. */
    public String wire() {
        return wire;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
