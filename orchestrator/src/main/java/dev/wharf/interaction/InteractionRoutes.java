package dev.wharf.interaction;

import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import dev.wharf.api.ErrorBody;
import dev.wharf.api.HttpEdgeConfig;
import dev.wharf.api.MethodNotAllowed;
import dev.wharf.api.RequestJson;
import dev.wharf.platform.SafeContext;
import dev.wharf.tenant.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Interactions over HTTP, under /v1 and /v1beta (any path prefix, optional trailing slash). Whether an answer is
 * JSON or a server-sent event stream depends on the request's {@code stream} flag (body for create, query for
 * get), never on {@code Accept}: the Java SDK sends the same Accept header either way.
 */
@ApplicationScoped
public class InteractionRoutes {
    private static final Logger LOG = Logger.getLogger(InteractionRoutes.class);
    private static final int ROUTE_ORDER = -40;
    private static final String BASE = "^(?:.*?)/(?<version>v1|v1beta)/interactions";
    private static final String ONE = BASE + "/(?<id>[^/:]+)";
    /** Idempotency keys are stored and compared as text; a longer one is not a key a client generated. */
    private static final int MAX_IDEMPOTENCY_KEY_CHARS = 256;

    private final InteractionService interactions;
    private final long heartbeatMillis;
    private final RequestJson json;

    public InteractionRoutes(InteractionService interactions, HttpEdgeConfig edge, RequestJson json) {
        this.interactions = interactions;
        this.heartbeatMillis = Math.max(1, edge.sseHeartbeat().toMillis());
        this.json = json;
    }

    void register(@Observes Router router) {
        router.routeWithRegex(HttpMethod.POST, BASE + "/?$").order(ROUTE_ORDER)
                .handler(BodyHandler.create().setBodyLimit(json.maxBodyBytes()).setHandleFileUploads(false))
                .handler(this::create)
                .failureHandler(ctx -> error(ctx, ctx.statusCode() == 413
                        ? new ApiException(ApiStatus.REQUEST_TOO_LARGE, json.tooLarge())
                        : ctx.failure() != null ? ctx.failure() : ApiException.invalidArgument("bad request")));
        router.routeWithRegex(HttpMethod.GET, BASE + "/?$").order(ROUTE_ORDER).handler(this::list);
        router.routeWithRegex(HttpMethod.GET, ONE + "/?$").order(ROUTE_ORDER).handler(this::get);
        router.routeWithRegex(HttpMethod.POST, ONE + "(?:/cancel|:cancel)/?$").order(ROUTE_ORDER).handler(this::cancel);
        router.routeWithRegex(HttpMethod.DELETE, ONE + "/?$").order(ROUTE_ORDER).handler(this::delete);
        // Known paths, any other method: 405 with what they take (after the routes above, which share the paths).
        router.routeWithRegex(BASE + "/?$").order(ROUTE_ORDER + 1).handler(ctx -> MethodNotAllowed.send(ctx, "GET, POST"));
        router.routeWithRegex(ONE + "/?$").order(ROUTE_ORDER + 1).handler(ctx -> MethodNotAllowed.send(ctx, "DELETE, GET"));
        router.routeWithRegex(ONE + "(?:/cancel|:cancel)/?$").order(ROUTE_ORDER + 1)
                .handler(ctx -> MethodNotAllowed.send(ctx, "POST"));
    }

    private void create(RoutingContext ctx) {
        String idempotencyKey = ctx.request().getHeader("Idempotency-Key");
        JsonObject body;
        try {
            if (idempotencyKey != null && (idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_CHARS
                    || !idempotencyKey.chars().allMatch(c -> c > 0x20 && c < 0x7F))) {
                throw ApiException.invalidArgument("Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY_CHARS
                        + " visible ASCII characters");
            }
            body = json.object(ctx.body().buffer());
        } catch (ApiException e) {
            error(ctx, e);
            return;
        }
        run(ctx, () -> interactions.create(Caller.tenant(ctx), body, idempotencyKey), outcome -> {
            if (outcome.events() != null) {
                sse(ctx, outcome.events());
            } else {
                json(ctx.response(), 200, outcome.interaction().encode());
            }
        });
    }

    private void list(RoutingContext ctx) {
        Integer pageSize = null;
        String size = ctx.request().getParam("page_size");
        if (size != null) {
            try {
                pageSize = Integer.parseInt(size);
            } catch (NumberFormatException e) {
                error(ctx, ApiException.invalidArgument("page_size must be a number"));
                return;
            }
        }
        Integer chosen = pageSize;
        run(ctx, () -> interactions.list(Caller.tenantId(ctx), chosen, ctx.request().getParam("page_token")),
                page -> json(ctx.response(), 200, page.encode()));
    }

    private void get(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if ("true".equalsIgnoreCase(ctx.request().getParam("stream"))) {
            run(ctx, () -> interactions.follow(Caller.tenantId(ctx), id, ctx.request().getParam("last_event_id")), events -> sse(ctx, events));
        } else {
            run(ctx, () -> interactions.get(Caller.tenantId(ctx), id), view -> json(ctx.response(), 200, view.encode()));
        }
    }

    private void cancel(RoutingContext ctx) {
        run(ctx, () -> interactions.cancel(Caller.tenantId(ctx), ctx.pathParam("id")), view -> json(ctx.response(), 200, view.encode()));
    }

    private void delete(RoutingContext ctx) {
        run(ctx, () -> interactions.delete(Caller.tenantId(ctx), ctx.pathParam("id")), done -> json(ctx.response(), 200, "{}"));
    }

    /**
     * Writes each event as {@code event:}, {@code id:} and {@code data:} lines; the JSON carries type and id too.
     * While the agent works the stream may have nothing to say for minutes, so an SSE comment line goes out every
     * {@code wharf.http.sse-heartbeat}: proxies and clients with read timeouts see a live stream, and a client that
     * has gone away is noticed (the write fails, the connection closes, the subscription is cancelled).
     */
    private void sse(RoutingContext ctx, Multi<InteractionEvent> events) {
        HttpServerResponse response = ctx.response();
        response.setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .setChunked(true);
        response.write(": wharf\n\n");
        Cancellable subscription = events.subscribe().with(
                event -> response.write("event: " + event.type() + "\nid: " + event.seq() + "\ndata: "
                        + event.toWire().encode() + "\n\n"),
                failure -> {
                    LOG.warnf("event stream failed: %s", failure.getMessage());
                    response.end();
                },
                response::end);
        long heartbeat = ctx.vertx().setPeriodic(heartbeatMillis, tick -> {
            if (response.ended() || response.closed()) {
                ctx.vertx().cancelTimer(tick); // also covers a stream that ended before the end handler was added
            } else {
                response.write(": keep-alive\n\n");
            }
        });
        // Fires when the response ends and when the connection closes first (Vert.x Web's own end handlers, which
        // the HTTP edge uses too; setting the response's close handler directly would replace them).
        ctx.addEndHandler(done -> {
            ctx.vertx().cancelTimer(heartbeat);
            subscription.cancel();
        });
    }

    private static <T> void run(RoutingContext ctx, Supplier<Uni<T>> work, java.util.function.Consumer<T> answer) {
        Uni<T> uni;
        try {
            uni = SafeContext.run(work);
        } catch (RuntimeException e) {
            error(ctx, e);
            return;
        }
        uni.subscribe().with(answer, failure -> error(ctx, failure));
    }

    private static void error(RoutingContext ctx, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof io.vertx.core.http.HttpClosedException) {
            LOG.debugf("client went away: %s", cause.getMessage()); // e.g. cut off by the HTTP edge mid-body
            return;
        }
        if (ApiException.unexpected(cause)) {
            LOG.error("interaction request failed", cause);
        }
        ErrorBody.send(ctx.response(), ApiException.of(failure));
    }

    private static void json(HttpServerResponse response, int status, String body) {
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }
}
