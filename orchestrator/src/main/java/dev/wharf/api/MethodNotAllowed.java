package dev.wharf.api;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * A known path asked with a method it does not take: HTTP 405 with {@code Allow} and the envelope. google.rpc has
 * no code for this; the envelope's status is INVALID_ARGUMENT (the request itself is wrong, whatever the state of
 * the resource; FAILED_PRECONDITION would say "retry once the state changes"), and its code is 405, as the HTTP
 * status is.
 */
public final class MethodNotAllowed {
    public static final int CODE = 405;
    public static final ApiStatus STATUS = ApiStatus.INVALID_ARGUMENT;

    private MethodNotAllowed() {
    }

    public static String message(String method, String allow) {
        return "this route does not support " + method + "; it allows " + allow;
    }

    /** Answers a Vert.x route's request; {@code allow} is the header's value, e.g. {@code "GET, POST"}. */
    public static void send(RoutingContext ctx, String allow) {
        HttpServerResponse response = ctx.response().putHeader("Allow", allow);
        ErrorBody.send(response, CODE, STATUS, message(ctx.request().method().name(), allow));
    }
}
