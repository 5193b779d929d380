package dev.wharf.api;

import dev.wharf.platform.DatabaseBusy;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * An asynchronous check in front of the routes (a key lookup, a budget read). The request's body is held back
 * while the check runs, so an upload is not lost before a handler that reads it is in place, and the outcome is
 * handled back on the request's own context. A check that fails answers 503 with {@code unavailable}
 * and Retry-After.
 */
public final class HeldRequest {
    private static final Logger LOG = Logger.getLogger(HeldRequest.class);
    /** A check that could not run is worth repeating soon. */

    private HeldRequest() {
    }

    public static <T> void await(RoutingContext ctx, Uni<T> check, Consumer<T> then, String unavailable) {
        Context context = Vertx.currentContext();
        ctx.request().pause();
        check.subscribe().with(result -> context.runOnContext(v -> {
            ctx.request().resume();
            then.accept(result);
        }), failure -> context.runOnContext(v -> {
            ctx.request().resume();
            if (DatabaseBusy.is(failure)) {
                LOG.warnf("request check failed, the database is busy: %s", unavailable);
            } else {
                LOG.errorf(failure, "request check failed: %s", unavailable);
            }
            ErrorBody.send(ctx.response(), new ApiException(ApiStatus.UNAVAILABLE, unavailable, ApiException.RETRY_SHORTLY));
        }));
    }
}
