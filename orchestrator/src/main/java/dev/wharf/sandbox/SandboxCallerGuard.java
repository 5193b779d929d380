package dev.wharf.sandbox;

import dev.wharf.api.ApiStatus;
import dev.wharf.api.ErrorBody;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Sandboxes reach the host at their network's gateway, where this API also listens. Code running in a
 * sandbox must not drive the control plane (create sandboxes, read other environments), so any request
 * from a sandbox address is refused before routing.
 */
@ApplicationScoped
public class SandboxCallerGuard {
    private static final int ROUTE_ORDER = -1000;

    private final SandboxStartup sandboxes;

    public SandboxCallerGuard(SandboxStartup sandboxes) {
        this.sandboxes = sandboxes;
    }

    void register(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(ctx -> {
            var remote = ctx.request().remoteAddress();
            if (remote != null && sandboxes.isSandboxAddress(remote.hostAddress())) {
                ErrorBody.send(ctx.response(), ApiStatus.PERMISSION_DENIED, "sandboxes may not call the Wharf API");
                return;
            }
            ctx.next();
        });
    }
}
