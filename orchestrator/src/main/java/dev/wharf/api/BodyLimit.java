package dev.wharf.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Refuses a JSON request whose declared length is over {@link InputConfig#maxBodySize()} with 413 and the envelope,
 * before anything reads it (Quarkus' own limit would answer an empty 413). File uploads stream past this to their
 * own limit. Bodies without a length are bounded where they are read ({@link RequestJson}, the routes' body
 * handlers).
 */
@ApplicationScoped
public class BodyLimit {
    /** Before every API route, including the file transfer and interaction routes. */
    private static final int ROUTE_ORDER = -60;
    private static final java.util.regex.Pattern UPLOAD =
            java.util.regex.Pattern.compile("^(?:.*?)/upload/(?:v1|v1beta)/environments/.*");

    private final RequestJson json;

    public BodyLimit(RequestJson json) {
        this.json = json;
    }

    void register(@Observes Router router) {
        BodyHandler bounded = BodyHandler.create().setBodyLimit(json.maxBodyBytes()).setHandleFileUploads(false);
        router.route().order(ROUTE_ORDER).handler(ctx -> {
            HttpMethod method = ctx.request().method();
            boolean hasBody = method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
            if (!hasBody || UPLOAD.matcher(ctx.request().path()).matches()) {
                ctx.next();
                return;
            }
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length == null && ctx.request().version() != HttpVersion.HTTP_2) {
                // No declared length (chunked): read it here under the limit, so going over is this 413 rather than
                // the empty one Quarkus' own stream would send; the JSON routes then use the body already read.
                // Not on HTTP/2, where RESTEasy cannot take over a request whose stream has already ended; there
                // the reader's own bound and Quarkus' limit (the same value) apply.
                bounded.handle(ctx);
                return;
            }
            if (length == null) {
                ctx.next();
                return;
            }
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > json.maxBodyBytes()) {
                tooLarge(ctx);
                return;
            }
            ctx.next();
        }).failureHandler(ctx -> {
            if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
                tooLarge(ctx);
            } else {
                ctx.next();
            }
        });
    }

    private void tooLarge(RoutingContext ctx) {
        // The body is not read (further); closing after the answer spares reading it just to discard it.
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close")
                .endHandler(done -> ctx.request().connection().close());
        ErrorBody.send(ctx.response(), ApiStatus.REQUEST_TOO_LARGE, json.tooLarge());
    }
}
