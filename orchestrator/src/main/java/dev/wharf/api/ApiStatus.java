package dev.wharf.api;

/**
 * The google.rpc codes the contract allows, each with the one HTTP status it travels with.
 * FAILED_PRECONDITION is 400, not 409: the SDKs retry 409, and a business conflict must not be retried.
 */
public enum ApiStatus {
    INVALID_ARGUMENT(400),
    FAILED_PRECONDITION(400),
    UNAUTHENTICATED(401),
    PERMISSION_DENIED(403),
    NOT_FOUND(404),
    RESOURCE_EXHAUSTED(429),
    INTERNAL(500),
    UNAVAILABLE(503),
    DEADLINE_EXCEEDED(504);

    private final int httpStatus;

    ApiStatus(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
