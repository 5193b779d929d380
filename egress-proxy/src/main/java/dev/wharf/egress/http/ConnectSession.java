package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import dev.wharf.egress.decision.Reason;
import dev.wharf.egress.log.RequestRecord;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One CONNECT: decided by its host, then answered {@code 200} and either
 * <ul>
 *   <li>tunnelled: bytes relayed to the checked address untouched, after the ClientHello's server name is checked
 *       against the rule that allowed the CONNECT;</li>
 *   <li>intercepted: TLS terminated with a leaf from the installation CA, so each request inside can be changed;</li>
 *   <li>or, when denied, terminated all the same, so the sandbox's client shows the proxy's 403 and its reason
 *       instead of an opaque TLS failure.</li>
 * </ul>
 * A tunnel's upstream is connected before the {@code 200}: a failure is then an honest 502, and a server that speaks
 * first reaches the client at once.
 */
final class ConnectSession implements FirstBytes.Listener {

    private static final Logger LOG = Logger.getLogger(ConnectSession.class.getName());

    private enum Mode { TUNNEL, INTERCEPT, DENY }

    private final ProxyServices services;
    private final InetAddress source;
    private final ExchangeHandler http;
    private final Channel client;
    private final Instant started = Instant.now();
    private final long startNanos = System.nanoTime();
    private String host;
    private int port;
    private Route route;
    private Mode mode;
    private Denial denial;
    private Channel upstream;
    private Relay upstreamRelay;
    private long sent;
    private long received;
    private int innerRecords;
    private boolean recorded;

    ConnectSession(ProxyServices services, InetAddress source, ExchangeHandler http, Channel client) {
        this.services = services;
        this.source = source;
        this.http = http;
        this.client = client;
    }

    void start(HttpRequest connect) {
        String[] hostPort;
        try {
            hostPort = RequestTarget.authority(connect.uri(), 443);
        } catch (RequestTarget.BadRequest bad) {
            http.answerAndClose(Responses.badRequest(HttpResponseStatus.BAD_REQUEST, bad.getMessage()));
            return;
        }
        host = hostPort[0];
        port = Integer.parseInt(hostPort[1]);
        services.routes().decide(source, host, port).whenComplete((decided, failure) -> client.eventLoop().execute(
                () -> {
                    if (!client.isActive()) {
                        return;
                    }
                    if (failure != null) {
                        LOG.log(Level.WARNING, "deciding a CONNECT failed", failure);
                        routed(Route.refused(null, Denial.of(Reason.POLICY_UNAVAILABLE, host)));
                    } else {
                        routed(decided);
                    }
                }));
    }

    private void routed(Route decided) {
        route = decided;
        if (!decided.allowed()) {
            mode = Mode.DENY;
            denial = decided.denial();
            established();
            return;
        }
        if (decided.injection().needsInterception()) {
            mode = Mode.INTERCEPT;
            established();
            return;
        }
        mode = Mode.TUNNEL;
        upstreamRelay = new Relay(bytes -> received += bytes);
        services.upstreams().connect(client.eventLoop(), decided.address(), null, false,
                p -> p.addLast("relay", upstreamRelay)).addListener(connected -> {
                    if (!connected.isSuccess()) {
                        if (client.isActive()) {
                            recordConnect(true, Reason.UPSTREAM_ERROR.code(), HttpResponseStatus.BAD_GATEWAY.code(),
                                    false);
                            http.answerAndClose(Responses.text(HttpResponseStatus.BAD_GATEWAY,
                                    "Wharf egress proxy: could not connect to " + host + ":" + port + " ("
                                            + ExchangeHandler.describe(connected.cause()) + ")\n", true));
                        }
                        return;
                    }
                    upstream = (Channel) connected.getNow();
                    if (!client.isActive()) {
                        upstream.close();
                        return;
                    }
                    established();
                });
    }

    private void established() {
        ChannelPipeline p = client.pipeline();
        p.addAfter("exchanges", "first-bytes", new FirstBytes(this));
        http.handOff();
        p.remove("http"); // whatever it held beyond the CONNECT passes through to first-bytes
        p.remove("exchanges");
        client.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 Connection established\r\n\r\n",
                StandardCharsets.US_ASCII));
        if (upstream != null) {
            upstreamRelay.peer(client);
        }
        client.closeFuture().addListener(closed -> closed());
        client.config().setAutoRead(true);
    }

    @Override
    public void classified(ChannelHandlerContext ctx, FirstBytes.Kind kind, String serverName) {
        String name = serverName == null ? host : dev.wharf.egress.policy.HostNames.normalize(serverName);
        if (kind == FirstBytes.Kind.MALFORMED || kind == FirstBytes.Kind.OTHER && mode == Mode.DENY) {
            ctx.close();
            return;
        }
        if (kind == FirstBytes.Kind.TLS && mode != Mode.DENY) {
            Denial mismatch = Routes.serverNameDenial(route.policy(), host, name);
            if (mismatch != null) {
                if (upstream != null) {
                    upstreamRelay.detach();
                    upstream.close();
                    upstream = null;
                }
                mode = Mode.DENY;
                denial = mismatch;
            }
        }
        if (mode == Mode.TUNNEL || kind == FirstBytes.Kind.OTHER) {
            relay(ctx);
            return;
        }
        Route inner = mode == Mode.DENY ? Route.refused(route.policy(), denial) : route;
        String scheme = kind == FirstBytes.Kind.TLS ? "https" : "http";
        FixedRouter router = new FixedRouter(scheme, host, port, inner, services.routes(), source,
                () -> innerRecords++);
        ChannelPipeline p = ctx.pipeline();
        String after = ctx.name();
        if (kind == FirstBytes.Kind.TLS) {
            p.addAfter(after, "tls", services.leaves().serverContext(name).newHandler(ctx.alloc()));
            after = "tls";
        }
        p.addAfter(after, "http", services.serverCodec());
        p.addAfter("http", "exchanges", new ExchangeHandler(services, source, router));
    }

    /** Relays the connection as it is; for a CONNECT that wanted interception but does not speak HTTP, connects now. */
    private void relay(ChannelHandlerContext ctx) {
        Relay clientRelay = new Relay(bytes -> sent += bytes);
        ctx.pipeline().addAfter(ctx.name(), "relay", clientRelay);
        if (upstream != null) {
            clientRelay.peer(upstream);
            return;
        }
        mode = Mode.TUNNEL;
        upstreamRelay = new Relay(bytes -> received += bytes);
        services.upstreams().connect(client.eventLoop(), route.address(), null, true,
                p -> p.addLast("relay", upstreamRelay)).addListener(connected -> {
                    if (!connected.isSuccess()) {
                        client.close();
                        return;
                    }
                    upstream = (Channel) connected.getNow();
                    if (!client.isActive()) {
                        upstream.close();
                        return;
                    }
                    upstreamRelay.peer(client);
                    clientRelay.peer(upstream);
                });
    }

    private void closed() {
        if (upstream != null) {
            upstream.close();
        }
        if (mode == Mode.TUNNEL) {
            recordConnect(true, null, 200, false);
        } else if (innerRecords == 0) {
            // Nothing inside was logged (the client gave up, or did not trust the CA): the CONNECT itself is.
            recordConnect(mode != Mode.DENY, denial == null ? null : denial.reason().code(), 200,
                    mode == Mode.INTERCEPT);
        }
    }

    private void recordConnect(boolean allowed, String reason, Integer status, boolean intercepted) {
        if (recorded) {
            return;
        }
        recorded = true;
        services.log().record(new RequestRecord(route == null ? null : route.environmentId(),
                source.getHostAddress(), started, "CONNECT", "https", host, port, null, allowed, reason, status,
                sent, received, (System.nanoTime() - startNanos) / 1_000_000, intercepted));
    }
}
