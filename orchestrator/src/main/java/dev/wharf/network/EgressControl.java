package dev.wharf.network;

import dev.wharf.api.ResourceIds;
import dev.wharf.credential.CredentialService;
import dev.wharf.egress.EgressProxy;
import dev.wharf.platform.BlockingCalls;
import dev.wharf.platform.SafeContext;
import dev.wharf.sandbox.SandboxStartup;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jboss.logging.Logger;

/**
 * The egress proxy's way into the control plane: a listener on loopback only, on a port chosen at start, behind a
 * token made at start and handed to the proxy process alone (its environment). Three calls: the policy for a source
 * address, asked for on every request the proxy handles; the proxy's batched request log; and refresh tokens an
 * authorization server rotated, which the credential must keep from then on. Sandboxes never reach
 * it: it is not on the sandbox network, and the host firewall would refuse its port there anyway.
 */
@ApplicationScoped
public class EgressControl {
    private static final Logger LOG = Logger.getLogger(EgressControl.class);
    /** After the sandbox network and the host firewall are ready (SandboxStartup observes at the default priority). */
    private static final int AFTER_SANDBOX_STARTUP = jakarta.interceptor.Interceptor.Priority.APPLICATION + 1000;
    private static final long MAX_LOG_BODY_BYTES = 16L * 1024 * 1024;
    private static final int TOKEN_CHARS = 48;
    static final String BASE_PATH = "/internal/egress";

    private final Vertx vertx;
    private final EgressProxy proxy;
    private final EgressPolicies policies;
    private final NetworkLogService log;
    private final SandboxStartup sandboxes;
    private final BlockingCalls blocking;
    private final String token = ResourceIds.randomToken(TOKEN_CHARS);
    private HttpServer server;

    public EgressControl(Vertx vertx, EgressProxy proxy, EgressPolicies policies, NetworkLogService log,
                         SandboxStartup sandboxes, BlockingCalls blocking) {
        this.vertx = vertx;
        this.proxy = proxy;
        this.policies = policies;
        this.log = log;
        this.sandboxes = sandboxes;
        this.blocking = blocking;
    }

    void start(@Observes @Priority(AFTER_SANDBOX_STARTUP) StartupEvent event) {
        String gateway = sandboxes.gatewayAddress();
        if (gateway == null) {
            LOG.error("egress proxy not started: the sandbox network's address is unknown (is Docker running?)");
            return;
        }
        Router routes = Router.router(vertx);
        routes.route().handler(BodyHandler.create().setBodyLimit(MAX_LOG_BODY_BYTES));
        routes.route().handler(this::authorize);
        routes.get(BASE_PATH + "/policy").handler(this::policy);
        routes.post(BASE_PATH + "/log").handler(this::log);
        routes.post(BASE_PATH + "/oauth2/rotated").handler(this::rotated);
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(routes);
        server.listen().toCompletionStage().toCompletableFuture().join();
        String controlUrl = "http://127.0.0.1:" + server.actualPort() + BASE_PATH;
        // The proxy's start waits for its ready line: off the start thread's way, never on an event loop.
        blocking.run(() -> {
            proxy.start(new EgressProxy.Launch(gateway, controlUrl, token));
            return null;
        }).subscribe().with(ignored -> { }, e -> LOG.errorf("egress proxy not started: %s", e.getMessage()));
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }

    private void authorize(RoutingContext ctx) {
        String given = ctx.request().getHeader("Authorization");
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            ctx.response().setStatusCode(401).end();
            return;
        }
        ctx.next();
    }

    private void policy(RoutingContext ctx) {
        String source = ctx.request().getParam("source");
        if (source == null || source.isBlank()) {
            ctx.response().setStatusCode(400).end();
            return;
        }
        SafeContext.run(() -> policies.forSource(source)).subscribe().with(found -> {
            if (found.isEmpty()) {
                ctx.response().setStatusCode(404).putHeader("content-type", "application/json")
                        .end(new JsonObject().put("error", "no sandbox has this address").encode());
            } else {
                ctx.response().putHeader("content-type", "application/json").end(found.get().encode());
            }
        }, e -> {
            LOG.errorf("egress policy for %s failed: %s", source, e.getMessage());
            ctx.response().setStatusCode(503).end();
        });
    }

    /** 204 when stored; 409 when the credential no longer holds the token replaced (nothing to retry); 400. */
    private void rotated(RoutingContext ctx) {
        JsonObject report;
        try {
            report = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            report = null;
        }
        if (report == null) {
            ctx.response().setStatusCode(400).end();
            return;
        }
        JsonObject given = report;
        SafeContext.run(() -> policies.refreshTokenRotated(given)).subscribe().with(
                outcome -> ctx.response().setStatusCode(outcome.isEmpty() ? 400
                        : outcome.get() == CredentialService.Rotation.STORED ? 204 : 409).end(),
                e -> {
                    LOG.warnf("rotated refresh token not stored (the proxy retries): %s", e.getMessage());
                    ctx.response().setStatusCode(503).end();
                });
    }

    private void log(RoutingContext ctx) {
        JsonObject report;
        try {
            report = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            ctx.response().setStatusCode(400).end();
            return;
        }
        if (report == null) {
            ctx.response().setStatusCode(400).end();
            return;
        }
        Uni.createFrom().deferred(() -> log.record(report)).subscribe().with(
                kept -> ctx.response().setStatusCode(204).end(),
                e -> {
                    LOG.warnf("egress log not stored (the proxy retries): %s", e.getMessage());
                    ctx.response().setStatusCode(503).end();
                });
    }
}
