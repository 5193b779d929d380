package dev.wharf.budget;

import dev.wharf.api.ApiStatus;
import dev.wharf.api.ErrorBody;
import dev.wharf.api.HeldRequest;
import dev.wharf.tenant.Caller;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.regex.Pattern;

/**
 * Admission control for budgets: once a tenant has used up a monthly limit, creating an interaction or an
 * environment is refused with 429 {@code RESOURCE_EXHAUSTED} naming the budget. It sits right after
 * authentication, before any route, so no path that starts new work (JSON, streaming, background, the SDKs'
 * retries) gets past it; the SDKs retry 429 a few times and then surface the message. Work already running is
 * the business of {@link BudgetEnforcer}.
 */
@ApplicationScoped
public class BudgetGate {
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
        HeldRequest.await(ctx, budgets.refusal(Caller.tenantId(ctx)), refusal -> {
            if (refusal.isPresent()) {
                ErrorBody.send(ctx.response(), ApiStatus.RESOURCE_EXHAUSTED, refusal.get());
            } else {
                ctx.next();
            }
        }, "the tenant's budget could not be checked; try again");
    }
}
