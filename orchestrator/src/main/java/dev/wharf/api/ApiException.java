package dev.wharf.api;

/** A failure the caller should see, with its contract status and a message meant for people. */
public class ApiException extends RuntimeException {
    private final ApiStatus status;

    public ApiException(ApiStatus status, String message) {
        super(message);
        this.status = status;
    }

    public ApiStatus status() {
        return status;
    }

    public static ApiException invalidArgument(String message) {
        return new ApiException(ApiStatus.INVALID_ARGUMENT, message);
    }

    public static ApiException failedPrecondition(String message) {
        return new ApiException(ApiStatus.FAILED_PRECONDITION, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(ApiStatus.NOT_FOUND, message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(ApiStatus.UNAVAILABLE, message);
    }

    public static ApiException permissionDenied(String message) {
        return new ApiException(ApiStatus.PERMISSION_DENIED, message);
    }
}
