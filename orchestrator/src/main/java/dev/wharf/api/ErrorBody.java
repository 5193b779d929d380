package dev.wharf.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** The contract's error envelope: {@code {"error": {"code", "message", "status"}}}. */
public record ErrorBody(Detail error) {

    public record Detail(int code, String message, String status) {
    }

    public static ErrorBody of(ApiStatus status, String message) {
        return new ErrorBody(new Detail(status.httpStatus(), message, status.rpcCode()));
    }

    /** Answers a Vert.x route's request with the envelope and its status, ending the response. */
    public static void send(HttpServerResponse response, ApiStatus status, String message) {
        response.setStatusCode(status.httpStatus())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(of(status, message).toJson());
    }

    /** The same envelope for the Vert.x routes that bypass JAX-RS. */
    public String toJson() {
        return new JsonObject().put("error", new JsonObject()
                .put("code", error.code())
                .put("message", error.message())
                .put("status", error.status())).encode();
    }
}
