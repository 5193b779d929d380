package dev.wharf.api;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerStart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.ServerID;
import io.vertx.core.net.impl.TCPServerBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The API's HTTP edge: what a connection may cost the server before and between requests, which HTTP versions are
 * spoken, and which methods the platform endpoints ({@code /q/...}) take.
 *
 * <p>Vert.x 4.5 has idle timeouts but no deadline for a request's headers, and Quarkus owns the server's
 * connection handler (it installs one only for {@code quarkus.http.limits.max-connections}). So the edge adds a
 * Netty handler to the bound server channel itself: it sees every accepted connection before Vert.x does, counts
 * it against its client address, and puts an {@link EdgeConnection} first in its pipeline. The server channel is
 * reached through Vert.x's internal registry of shared servers and one private field; if that ever fails (a Vert.x
 * upgrade that moved it), the application stops rather than run without these limits, and HttpEdgeTest fails.
 */
@ApplicationScoped
public class HttpEdge {
    private static final Logger LOG = Logger.getLogger(HttpEdge.class);
    /** Before every other route: the sandbox guard is at -1000. */
    private static final int ROUTE_ORDER = -2000;
    private static final String ACCEPT_GUARD = "wharf-accept-guard";
    private static final Pattern PLATFORM_ENDPOINT = Pattern.compile("^/q/(?:health|metrics|openapi)(?:[/.?].*)?$");
    private static final String PLATFORM_METHODS = "GET, HEAD";
    /** How long (attempts x retry) the server's port may take to be published after it started: 10 s. */
    private static final int INSTALL_ATTEMPTS = 100;
    private static final long INSTALL_RETRY_MILLIS = 100;

    private final HttpEdgeConfig config;
    private final Vertx vertx;
    private final Map<InetAddress, Integer> connectionsPerAddress = new ConcurrentHashMap<>();
    private volatile boolean installed;

    public HttpEdge(HttpEdgeConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    /** The port the API listens on (the random one in tests). */
    static int listeningPort() {
        String property = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        return ConfigProvider.getConfig().getValue(property, Integer.class);
    }

    void register(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(this::admit);
    }

    void started(@Observes StartupEvent event) {
        install(0);
    }

    void httpStarted(@ObservesAsync HttpServerStart event) {
        install(1);
    }

    /** Tracks the request on its connection and keeps the platform endpoints to GET and HEAD. */
    private void admit(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        EdgeConnection connection = edgeOf(request.connection());
        if (connection != null) {
            connection.requestStarted(request);
            ctx.addEndHandler(done -> connection.responseEnded(request));
        }
        if (PLATFORM_ENDPOINT.matcher(request.path()).matches()
                && request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            MethodNotAllowed.send(ctx, PLATFORM_METHODS);
            return;
        }
        ctx.next();
    }

    private static EdgeConnection edgeOf(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            return base.channel().pipeline().get(EdgeConnection.class);
        }
        return null;
    }

    /**
     * Finds the API's server channel and guards it. The first try (at start-up) may come before the server is
     * bound; after the server reports it started, a random port (tests) may still be unpublished for a moment, so
     * it tries again for a while before it gives up and stops the application.
     */
    private synchronized void install(int attempt) {
        if (installed) {
            return;
        }
        try {
            int port = listeningPort();
            Channel server = null;
            Map<ServerID, HttpServerImpl> servers = ((VertxInternal) vertx).sharedHttpServers();
            for (Map.Entry<ServerID, HttpServerImpl> entry : servers.entrySet()) {
                if (port != 0 && entry.getValue().actualPort() == port) {
                    server = boundChannel(entry.getValue());
                }
            }
            if (server == null) {
                if (attempt == 0) {
                    return;
                }
                if (attempt < INSTALL_ATTEMPTS) {
                    vertx.setTimer(INSTALL_RETRY_MILLIS, id -> install(attempt + 1));
                    return;
                }
                throw new IllegalStateException("no Vert.x HTTP server is bound to port " + port + " among "
                        + servers.keySet() + " " + servers.values().stream().map(HttpServerImpl::actualPort).toList());
            }
            server.pipeline().addFirst(ACCEPT_GUARD, new AcceptGuard());
            installed = true;
            LOG.debugf("HTTP edge limits installed on port %d", port);
        } catch (RuntimeException | ReflectiveOperationException e) {
            LOG.errorf(e, "could not install the HTTP edge limits; stopping rather than serve without them");
            Quarkus.asyncExit(1);
        }
    }

    @SuppressWarnings("unchecked")
    private static Channel boundChannel(HttpServerImpl server) throws ReflectiveOperationException {
        Field bind = TCPServerBase.class.getDeclaredField("bindFuture");
        bind.setAccessible(true);
        Future<Channel> bound = (Future<Channel>) bind.get(server);
        return bound == null || !bound.succeeded() ? null : bound.result();
    }

    /** Sees each accepted connection on the server channel, before it is registered with an event loop. */
    @ChannelHandler.Sharable
    private final class AcceptGuard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof Channel child && child.remoteAddress() instanceof InetSocketAddress remote) {
                InetAddress address = remote.getAddress();
                int open = connectionsPerAddress.merge(address, 1, Integer::sum);
                child.closeFuture().addListener(closed ->
                        connectionsPerAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1));
                int cap = config.maxConnectionsPerAddress();
                boolean refused = cap > 0 && open > cap;
                if (refused) {
                    LOG.debugf("refusing a connection from %s: %d open, cap %d", address, open, cap);
                }
                child.pipeline().addFirst(EdgeConnection.NAME, new EdgeConnection(config, refused));
            }
            super.channelRead(ctx, msg);
        }
    }
}
