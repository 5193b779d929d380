package dev.wharf.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** The contract's error envelope: {@code {"error": {"code", "message", "status"}}}. */
public record ErrorBody(Detail error) {

    public record Detail(int code, String message, String status) {
    }

    public static ErrorBody of(ApiStatus status, String message) {
        return of(status.httpStatus(), status, message);
    }

    /**
     * For the few HTTP statuses no google.rpc code travels with (405, 505): the given code, which is also the HTTP
     * status, with the closest status name.
     */
    public static ErrorBody of(int code, ApiStatus status, String message) {
        return new ErrorBody(new Detail(code, message, status.rpcCode()));
    }

    /** Answers a Vert.x route's request with the envelope and its status, ending the response. */
    public static void send(HttpServerResponse response, ApiStatus status, String message) {
        send(response, new ApiException(status, message));
    }

    /**
     * Answers with {@code error}: its status, the envelope, and {@code Retry-After} (whole seconds) when it carries
     * one. A response whose head is already out (a stream) can only be ended.
     */
    public static void send(HttpServerResponse response, ApiException error) {
        if (response.headWritten()) {
            response.end();
            return;
        }
        error.retryAfter().ifPresent(wait -> response.putHeader(HttpHeaders.RETRY_AFTER,
                Long.toString(retryAfterSeconds(wait))));
        response.setStatusCode(error.status().httpStatus())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(of(error.status(), error.getMessage()).toJson());
    }

    /** Retry-After takes whole seconds; a shorter wait still asks for one. */
    public static long retryAfterSeconds(java.time.Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }

    /** The same with an HTTP status of its own (see {@link #of(int, ApiStatus, String)}). */
    public static void send(HttpServerResponse response, int code, ApiStatus status, String message) {
        response.setStatusCode(code)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(of(code, status, message).toJson());
    }

    /** The same envelope for the Vert.x routes that bypass JAX-RS. */
    public String toJson() {
        return new JsonObject().put("error", new JsonObject()
                .put("code", error.code())
                .put("message", error.message())
                .put("status", error.status())).encode();
    }
}
