package dev.wharf.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one error format: {@code {"error":{"code":404,"message":"...","status":"NOT_FOUND"}}} with
 * the HTTP status equal to {@code code}. Messages come only from {@link RequestException} or from
 * fixed texts here, so no stack trace, class name or host path reaches a caller.
 */
public final class ErrorEnvelope {

    static final String INTERNAL_MESSAGE = "internal error";

    private final ErrorStatus status;
    private final String message;

    private ErrorEnvelope(ErrorStatus status, String message) {
        this.status = status;
        this.message = message;
    }

    /** The envelope for a failure; anything unforeseen becomes a bare 500. */
    public static ErrorEnvelope of(Throwable failure) {
        if (failure instanceof RequestException) {
            RequestException refused = (RequestException) failure;
            return new ErrorEnvelope(refused.status(), refused.getMessage());
        }
        // Races with commands changing the workspace between our checks and the I/O.
        if (failure instanceof NoSuchFileException) {
            return new ErrorEnvelope(ErrorStatus.NOT_FOUND, "no such file or directory");
        }
        // A name the file system's encoding cannot represent; RequestText already refuses NUL and lone surrogates.
        if (failure instanceof java.nio.file.InvalidPathException) {
            return new ErrorEnvelope(ErrorStatus.INVALID_ARGUMENT, "path cannot be represented on this file system");
        }
        if (failure instanceof AccessDeniedException) {
            return new ErrorEnvelope(ErrorStatus.PERMISSION_DENIED, "permission denied");
        }
        return new ErrorEnvelope(ErrorStatus.INTERNAL, INTERNAL_MESSAGE);
    }

    public static ErrorEnvelope of(ErrorStatus status, String message) {
        return new ErrorEnvelope(status, message);
    }

    public ErrorStatus status() {
        return status;
    }

    public void send(HttpExchange exchange) throws IOException {
        if (status == ErrorStatus.UNAUTHENTICATED) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", status.httpStatus());
        error.put("message", message);
        error.put("status", status.wire());
        JsonExchange.send(exchange, status.httpStatus(), Map.of("error", error));
    }
}
