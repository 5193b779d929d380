package dev.wharf.api;

import dev.wharf.platform.DatabaseBusy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * A failure the caller should see, with its contract status and a message meant for people. A refusal the caller
 * should simply repeat later (overload) carries how long to wait, sent as {@code Retry-After}.
 */
public class ApiException extends RuntimeException {
    /**
     * The wait asked of a caller refused for a condition that clears in about a second (a busy database, a busy
     * sandbox, a request held past its patience), sent as {@code Retry-After}.
     */
    public static final Duration RETRY_SHORTLY = Duration.ofSeconds(1);

    private final ApiStatus status;
    private final Duration retryAfter;

    public ApiException(ApiStatus status, String message) {
        this(status, message, null);
    }

    public ApiException(ApiStatus status, String message, Duration retryAfter) {
        super(message);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public ApiStatus status() {
        return status;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * What the caller sees for {@code failure}: itself if it is an ApiException; a busy database as 503 with
     * Retry-After; anything else as an internal error without details (those go to the log).
     */
    public static ApiException of(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof ApiException api) {
            return api;
        }
        if (cause.getCause() instanceof ApiException api) {
            return api;
        }
        if (DatabaseBusy.is(cause)) {
            return new ApiException(ApiStatus.UNAVAILABLE, "the control plane is too busy to serve this request;"
                    + " try again shortly", RETRY_SHORTLY);
        }
        return new ApiException(ApiStatus.INTERNAL, "Internal error");
    }

    /** Whether {@link #of} would hide what went wrong: the failure deserves a line in the log. */
    public static boolean unexpected(Throwable failure) {
        return of(failure).status() == ApiStatus.INTERNAL;
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

    /** Over a limit that frees up by itself: 429 with Retry-After. */
    public static ApiException exhausted(String message, Duration retryAfter) {
        return new ApiException(ApiStatus.RESOURCE_EXHAUSTED, message, retryAfter);
    }
}
