package dev.wharf.api;

/**
 * The google.rpc codes the contract allows, each with the one HTTP status it travels with.
 * FAILED_PRECONDITION is 400, not 409: the SDKs retry 409, and a business conflict must not be retried.
 * REQUEST_TOO_LARGE keeps HTTP 413 (so clients and proxies see the usual status) but names the closest google.rpc
 * code, INVALID_ARGUMENT, as Google's own APIs do for an oversized payload: the request is at fault, not a quota.
 */
public enum ApiStatus {
    INVALID_ARGUMENT(400),
    FAILED_PRECONDITION(400),
    UNAUTHENTICATED(401),
    PERMISSION_DENIED(403),
    NOT_FOUND(404),
    REQUEST_TOO_LARGE(413, "INVALID_ARGUMENT"),
    RESOURCE_EXHAUSTED(429),
    INTERNAL(500),
    UNAVAILABLE(503),
    DEADLINE_EXCEEDED(504);

    private final int httpStatus;
    private final String rpcCode;

    ApiStatus(int httpStatus) {
        this.httpStatus = httpStatus;
        this.rpcCode = name();
    }

    ApiStatus(int httpStatus, String rpcCode) {
        this.httpStatus = httpStatus;
        this.rpcCode = rpcCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The google.rpc code name the envelope's {@code status} carries. */
    public String rpcCode() {
        return rpcCode;
    }
}
