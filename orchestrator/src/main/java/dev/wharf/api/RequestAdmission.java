package dev.wharf.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Overload is refused at the door: once this plane serves {@code wharf.admission.max-requests} API requests (or
 * the caller's tenant its {@code tenant-max-requests}), the next one gets 429 RESOURCE_EXHAUSTED with
 * Retry-After before it costs a database read. A request holds its place until its response ends or its
 * connection closes, so open event streams and creates waiting for their answer count too. Health, metrics
 * and the OpenAPI document ({@code /q/}) are never counted or refused: probes must answer under any load.
 */
@ApplicationScoped
public class RequestAdmission {
    /** After the authenticator (-900), which names the tenant, before the budget gate (-890) and every route. */
    private static final int ROUTE_ORDER = -895;
    /** Admin requests have no tenant; they share one tenant-sized allowance. */
    private static final String ADMIN = "admin";

    private final InFlight requests;
    private final Counter refused;

    public RequestAdmission(AdmissionConfig config, MeterRegistry registry) {
        this.requests = new InFlight("API requests", config.maxRequests(), config.tenantMaxRequests(),
                config.retryAfter());
        Gauge.builder("wharf.api.requests.in_flight", requests, InFlight::total)
                .description("API requests this control plane is serving").register(registry);
        this.refused = Counter.builder("wharf.api.requests.refused")
                .description("API requests refused with 429 because a request limit was reached").register(registry);
    }

    void register(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(this::admit);
    }

    private void admit(RoutingContext ctx) {
        if (ctx.request().path().startsWith("/q/")) {
            ctx.next();
            return;
        }
        String tenantId = AdmittedTenant.idOrNull(ctx);
        InFlight.Permit permit;
        try {
            permit = requests.enter(tenantId == null ? ADMIN : tenantId);
        } catch (ApiException refusal) {
            refused.increment();
            ErrorBody.send(ctx.response(), refusal);
            return;
        }
        ctx.addEndHandler(ended -> permit.close());
        ctx.next();
    }
}
