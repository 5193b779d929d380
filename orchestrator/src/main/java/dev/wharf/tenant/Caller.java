package dev.wharf.tenant;

import io.vertx.ext.web.RoutingContext;

/** The tenant a request was authenticated as, put on the request by {@link Authenticator}. */
public final class Caller {
    static final String TENANT = "wharf.tenant";

    private Caller() {
    }

    /** The calling tenant's id, what resources hand to services. */
    public static String tenantId(RoutingContext ctx) {
        return tenant(ctx).id();
    }

    /** The calling tenant; every tenant-owned read and write is scoped to it. */
    public static Tenant tenant(RoutingContext ctx) {
        Tenant tenant = ctx.get(TENANT);
        if (tenant == null) {
            // Every API route sits behind the authenticator, so this is a routing mistake, not a client error.
            throw new IllegalStateException("no authenticated tenant on " + ctx.request().path());
        }
        return tenant;
    }
}
