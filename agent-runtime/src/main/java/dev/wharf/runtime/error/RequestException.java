package dev.wharf.runtime.error;

/**
 * A request the daemon refuses for a reason the caller can act on. The message goes to the caller
 * verbatim, so it must never contain internals such as class names or host paths outside the
 * workspace.
 */
public final class RequestException extends RuntimeException {

    private final ErrorStatus status;

    public RequestException(ErrorStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static RequestException invalid(String message) {
        return new RequestException(ErrorStatus.INVALID_ARGUMENT, message);
    }

    public static RequestException precondition(String message) {
        return new RequestException(ErrorStatus.FAILED_PRECONDITION, message);
    }

    public static RequestException notFound(String message) {
        return new RequestException(ErrorStatus.NOT_FOUND, message);
    }

    public ErrorStatus status() {
        return status;
    }
}
