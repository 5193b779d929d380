package dev.wharf.api;

import io.vertx.ext.web.RoutingContext;

/**
 * The id of the tenant a request was authenticated as, for the edge's own bookkeeping (admission counts requests
 * per tenant). The authenticator puts it on the request; resources read the tenant through {@code tenant.Caller}.
 */
public final class AdmittedTenant {
    private static final String KEY = "wharf.tenant-id";

    private AdmittedTenant() {
    }

    public static void set(RoutingContext ctx, String tenantId) {
        ctx.put(KEY, tenantId);
    }

    /** Null for a request without a tenant: the admin API, metrics. */
    public static String idOrNull(RoutingContext ctx) {
        return ctx.get(KEY);
    }
}
