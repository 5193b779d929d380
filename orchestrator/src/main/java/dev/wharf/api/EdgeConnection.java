package dev.wharf.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The timing of one client connection, first in its Netty pipeline so it sees every byte before any decoder.
 * Everything here runs on the connection's event loop (the same thread as its requests' routes), so the state
 * needs no locking.
 *
 * <p>A connection is in one of three phases, checked by a periodic tick:
 * <ul>
 * <li>no request in flight and none started: idle; closed after {@code idle-timeout} (a fresh connection must
 * deliver its first request's headers within {@code header-timeout} of opening, bytes or not);</li>
 * <li>bytes of the next request arrived but its headers are not complete: closed {@code header-timeout} after the
 * first byte however slowly the rest trickles in;</li>
 * <li>a request in flight: while its body is arriving, a pause of {@code body-idle-timeout} closes the connection,
 * except while the server itself has stopped reading (back-pressure from a slow sandbox on an upload); once the
 * body is complete no read deadline applies, because the server is working (a long synchronous create, an event
 * stream) and the interaction's own deadline bounds that.</li>
 * </ul>
 *
 * <p>It also reads the request line of each request that starts on an idle connection: Vert.x answers an HTTP
 * version it does not know (HTTP/9.9) with 501 before any route sees it, so a version other than 1.0, 1.1 and 2
 * is answered 505 here and the connection closed.
 */
@ChannelHandler.Sharable // only so that it can be put back after an h2c upgrade; one instance per connection
final class EdgeConnection extends ChannelInboundHandlerAdapter {
    static final String NAME = "wharf-edge";
    private static final Logger LOG = Logger.getLogger(EdgeConnection.class);
    private static final long MIN_TICK_MILLIS = 100;
    private static final long MAX_TICK_MILLIS = 1000;
    /** As Quarkus's default quarkus.http.limits.max-initial-line-length; a longer line is Vert.x's to refuse. */
    private static final int MAX_REQUEST_LINE = 4096;
    /** What a connection refused for the per-address cap is asked to wait before it tries again. */
    private static final int REFUSED_RETRY_SECONDS = 1;
    private static final Pattern REQUEST_LINE = Pattern.compile("^\\S+ \\S+ HTTP/(\\d+\\.\\d+)$");

    private final long headerTimeout;
    private final long bodyIdleTimeout;
    private final long idleTimeout;
    private final long tickMillis;
    private final boolean refused;
    private final List<HttpServerRequest> inFlight = new ArrayList<>(2);

    private ChannelHandlerContext context;
    private ScheduledFuture<?> tick;
    /** When the headers now awaited began (connection open or first byte after idle); -1 when none awaited. */
    private long headersSince = -1;
    private long idleSince;
    private long lastRead;
    /** Request lines are read until the connection turns out to speak HTTP/2 (its frames are no lines). */
    private boolean http1 = true;
    private final StringBuilder requestLine = new StringBuilder();
    private boolean requestLineRead;

    EdgeConnection(HttpEdgeConfig config, boolean refused) {
        this.headerTimeout = config.headerTimeout().toNanos();
        this.bodyIdleTimeout = config.bodyIdleTimeout().toNanos();
        this.idleTimeout = config.idleTimeout().toNanos();
        this.tickMillis = tickMillis(config);
        this.refused = refused;
    }

    /** A quarter of the shortest limit, so a limit is enforced at most a quarter late; within 100 ms..1 s. */
    static long tickMillis(HttpEdgeConfig config) {
        long shortest = Math.min(config.headerTimeout().toMillis(),
                Math.min(config.bodyIdleTimeout().toMillis(), config.idleTimeout().toMillis()));
        return Math.max(MIN_TICK_MILLIS, Math.min(MAX_TICK_MILLIS, shortest / 4));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.context = ctx;
    }

    /**
     * Vert.x's h2c upgrade (HTTP/1.1 {@code Upgrade: h2c}) strips the pipeline down to its HTTP/2 handler; the
     * connection keeps its limits, so this handler puts itself back in front, with its state.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        if (channel.isActive()) {
            channel.eventLoop().execute(() -> {
                if (channel.isActive() && channel.pipeline().get(EdgeConnection.class) == null) {
                    channel.pipeline().addFirst(NAME, this);
                }
            });
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (refused) {
            refuse(ctx);
            return;
        }
        long now = System.nanoTime();
        headersSince = now;
        idleSince = now;
        lastRead = now;
        tick = ctx.executor().scheduleAtFixedRate(this::check, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastRead = System.nanoTime();
        if (inFlight.isEmpty() && headersSince < 0) {
            headersSince = lastRead;
            requestLine.setLength(0);
            requestLineRead = false;
        }
        if (http1 && !requestLineRead && msg instanceof ByteBuf bytes && unsupportedVersion(bytes)) {
            ReferenceCountUtil.release(msg);
            headersSince = -1;
            answerAndClose(ctx, "505 HTTP Version Not Supported", ErrorBody.of(505, ApiStatus.INVALID_ARGUMENT,
                    "HTTP version not supported; use HTTP/1.1 or HTTP/2"));
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (tick != null) {
            tick.cancel(false);
        }
        inFlight.clear();
        super.channelInactive(ctx);
    }

    /** Reads on in the request line; true once it is complete and names a version the API does not speak. */
    private boolean unsupportedVersion(ByteBuf bytes) {
        for (int i = bytes.readerIndex(); i < bytes.writerIndex() && !requestLineRead; i++) {
            char c = (char) (bytes.getByte(i) & 0xff);
            if (c == '\n') {
                requestLineRead = !requestLine.isEmpty(); // empty lines before a request are allowed
            } else if (c != '\r') {
                requestLine.append(c);
                requestLineRead = requestLine.length() > MAX_REQUEST_LINE;
            }
        }
        if (!requestLineRead) {
            return false;
        }
        Matcher line = REQUEST_LINE.matcher(requestLine);
        if (!line.matches()) {
            return false; // not a request line the decoder will accept; it answers 400
        }
        String version = line.group(1);
        if ("2.0".equals(version)) {
            http1 = false; // the HTTP/2 connection preface, PRI * HTTP/2.0
        }
        return !("1.1".equals(version) || "1.0".equals(version) || "2.0".equals(version));
    }

    /** The request's headers are complete and it reached the router. */
    void requestStarted(HttpServerRequest request) {
        if (request.version() == HttpVersion.HTTP_2) {
            http1 = false;
        }
        inFlight.add(request);
        headersSince = -1;
        lastRead = System.nanoTime();
    }

    /** The response ended (or failed); the request stays tracked until its body is in too. */
    void responseEnded(HttpServerRequest request) {
        if (request.isEnded() && inFlight.contains(request)) {
            finished(request);
        }
    }

    private void finished(HttpServerRequest request) {
        inFlight.remove(request);
        if (inFlight.isEmpty()) {
            idleSince = System.nanoTime();
            headersSince = -1;
        }
    }

    private void check() {
        long now = System.nanoTime();
        for (HttpServerRequest request : List.copyOf(inFlight)) {
            if (request.isEnded() && request.response().ended()) {
                finished(request);
            }
        }
        if (inFlight.isEmpty()) {
            if (headersSince >= 0 && now - headersSince > headerTimeout) {
                close("request headers were not complete within " + millis(headerTimeout));
            } else if (headersSince < 0 && now - idleSince > idleTimeout) {
                close("idle keep-alive connection");
            }
            return;
        }
        boolean receiving = false;
        boolean answered = false;
        for (HttpServerRequest request : inFlight) {
            if (!request.isEnded()) {
                receiving = true;
                answered |= request.response().ended();
            }
        }
        if (!receiving) {
            return;
        }
        if (!answered && !context.channel().config().isAutoRead()) {
            lastRead = now; // the server paused reading; the client is not the slow one
        } else if (now - lastRead > bodyIdleTimeout) {
            close("request body paused for more than " + millis(bodyIdleTimeout));
        }
    }

    private void close(String why) {
        LOG.debugf("closing connection from %s: %s", context.channel().remoteAddress(), why);

        if (tick != null) {
            tick.cancel(false);
        }
        context.close();
    }

    /** Over the per-address cap: 429 with the envelope and Retry-After, then close. */
    private void refuse(ChannelHandlerContext ctx) {
        answerAndClose(ctx, "429 Too Many Requests", "Retry-After: " + REFUSED_RETRY_SECONDS + "\r\n",
                ErrorBody.of(ApiStatus.RESOURCE_EXHAUSTED,
                        "too many open connections from this address; close some and retry"));
    }

    /**
     * A whole HTTP/1.1 response written below every decoder, then close. Only on a plain connection: this handler
     * sits in front of TLS, where the bytes would be garbage, so there it only closes.
     */
    private void answerAndClose(ChannelHandlerContext ctx, String status, ErrorBody error) {
        answerAndClose(ctx, status, "", error);
    }

    /** {@code headers}: more header lines, each ending in CRLF. */
    private void answerAndClose(ChannelHandlerContext ctx, String status, String headers, ErrorBody error) {
        if (tick != null) {
            tick.cancel(false);
        }
        if (ctx.pipeline().get("ssl") != null) {
            ctx.close();
            return;
        }
        byte[] body = error.toJson().getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\n" + headers + "Content-Type: application/json\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.ISO_8859_1), body))
                .addListener(done -> ctx.close());
    }

    private static String millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    }
}
