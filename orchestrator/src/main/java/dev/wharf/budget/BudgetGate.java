package dev.wharf.budget;

import dev.wharf.api.ApiStatus;
import dev.wharf.api.Caller;
import dev.wharf.api.ErrorBody;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Admission control for budgets: once a tenant has used up a monthly limit, creating an interaction or an
 * environment is refused with 429 {@code RESOURCE_EXHAUSTED} naming the budget. It sits right after
 * authentication, before any route, so no path that starts new work (JSON, streaming, background, the SDKs'
 * retries) gets past it; the SDKs retry 429 a few times and then surface the message. Work already running is
 * the business of {@link BudgetEnforcer}.
 */
@ApplicationScoped
public class BudgetGate {
    private static final Logger LOG = Logger.getLogger(BudgetGate.class);
    /** After the authenticator (-900), which puts the tenant on the request, and before every API route. */
    private static final int ROUTE_ORDER = -890;
    private static final Pattern NEW_WORK = Pattern.compile("^(?:.*?)/(?:v1|v1beta)/(?:interactions|environments)/?$");

    private final BudgetService budgets;

    public BudgetGate(BudgetService budgets) {
        this.budgets = budgets;
    }

    void register(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(this::admit);
    }

    private void admit(RoutingContext ctx) {
        if (ctx.request().method() != HttpMethod.POST || !NEW_WORK.matcher(ctx.request().path()).matches()) {
            ctx.next();
            return;
        }
        String tenantId = Caller.tenant(ctx).id();
        // The check is asynchronous: hold the body back until the route that reads it is in place.
        Context context = Vertx.currentContext();
        ctx.request().pause();
        budgets.refusal(tenantId).subscribe().with(refusal -> context.runOnContext(v -> {
            ctx.request().resume();
            if (refusal.isPresent()) {
                refuse(ctx, ApiStatus.RESOURCE_EXHAUSTED, refusal.get());
            } else {
                ctx.next();
            }
        }), failure -> context.runOnContext(v -> {
            ctx.request().resume();
            LOG.error("budget check failed", failure);
            refuse(ctx, ApiStatus.UNAVAILABLE, "the tenant's budget could not be checked; try again");
        }));
    }

    private static void refuse(RoutingContext ctx, ApiStatus status, String message) {
        ctx.response().setStatusCode(status.httpStatus())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(ErrorBody.of(status, message).toJson());
    }
}
