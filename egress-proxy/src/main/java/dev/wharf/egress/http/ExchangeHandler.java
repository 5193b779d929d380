package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import dev.wharf.egress.decision.Reason;
import dev.wharf.egress.inject.AccessTokens;
import dev.wharf.egress.inject.Injection;
import dev.wharf.egress.log.RequestRecord;
import dev.wharf.egress.policy.OAuth2Grant;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves the HTTP requests of one client connection, one at a time and in order: decides each (through its
 * {@link Router}), forwards it in origin form with the injections its route calls for, streams the bodies both ways
 * with backpressure, and records it. Everything runs on the connection's event loop; the slow parts (policy, DNS,
 * token exchange) complete elsewhere and hop back.
 *
 * <p>The client's socket is read only while the current request can take more body: messages decoded ahead of that
 * wait in {@link #inbox}, which holds at most one read's worth, since reading stops as soon as they arrive.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter implements UpstreamLink.Listener {

    private static final Logger LOG = Logger.getLogger(ExchangeHandler.class.getName());

    private final ProxyServices services;
    private final InetAddress source;
    private final Router router;
    private final ArrayDeque<HttpObject> inbox = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Exchange current;
    private UpstreamLink upstream;
    private boolean closing;
    private boolean handedOff;
    private boolean stopping;

    ExchangeHandler(ProxyServices services, InetAddress source, Router router) {
        this.services = services;
        this.source = source;
        this.router = router;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(true);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (handedOff) {
            ctx.fireChannelRead(msg); // bytes the HTTP codec held after a CONNECT belong to the tunnel
            return;
        }
        if (closing || !(msg instanceof HttpObject http)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inbox.add(http);
        drain();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && upstream != null && upstream.usable()) {
            upstream.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (current != null) {
            current.abandon();
            current = null;
        }
        releaseInbox();
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ShutdownRequested) {
            stopping = true;
            if (current == null && !handedOff) {
                closing = true;
                releaseInbox();
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "client connection failed", cause);
        ctx.close();
    }

    /** Processes queued messages as far as the current exchange allows, then reads only if it wants more. */
    private void drain() {
        while (!inbox.isEmpty() && !closing && !handedOff) {
            HttpObject next = inbox.peek();
            if (current == null) {
                inbox.poll();
                if (next instanceof HttpRequest request) {
                    begin(request);
                } else {
                    ReferenceCountUtil.release(next); // the rest of a body whose request was already answered
                }
                continue;
            }
            if (next instanceof HttpRequest || !current.takesContent()) {
                break;
            }
            inbox.poll();
            current.content((HttpContent) next);
        }
        if (!closing && !handedOff) {
            boolean wanted = inbox.isEmpty() && (current == null || current.takesContent());
            ctx.channel().config().setAutoRead(wanted);
        }
    }

    private void begin(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                answerAndClose(Responses.badRequest(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                        "the request line is too long"));
            } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
                answerAndClose(Responses.badRequest(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "the request headers are too large"));
            } else {
                answerAndClose(Responses.badRequest(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request"));
            }
            return;
        }
        if (request.method().equals(HttpMethod.CONNECT) && router instanceof ForwardRouter) {
            if (upstream != null) {
                upstream.close();
                upstream = null;
            }
            new ConnectSession(services, source, this, ctx.channel()).start(request);
            return;
        }
        RequestTarget target;
        try {
            target = router.target(request);
        } catch (RequestTarget.BadRequest bad) {
            answerAndClose(Responses.badRequest(HttpResponseStatus.BAD_REQUEST, bad.getMessage()));
            return;
        }
        Exchange exchange = new Exchange(request, target);
        current = exchange;
        router.route(target, request).whenComplete((route, failure) -> ctx.executor().execute(() -> {
            if (current != exchange || closing) {
                return;
            }
            if (failure != null) {
                LOG.log(Level.WARNING, "deciding a request failed", failure);
                exchange.routed(Route.refused(null, Denial.of(Reason.POLICY_UNAVAILABLE, target.host())));
            } else {
                exchange.routed(route);
            }
        }));
    }

    /** Answers with the proxy's own response and closes, abandoning whatever else the client sent. */
    void answerAndClose(Object response) {
        closing = true;
        releaseInbox();
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** A CONNECT takes the connection over: from now on bytes pass through untouched, to be removed shortly. */
    void handOff() {
        handedOff = true;
        releaseInbox();
    }

    private void releaseInbox() {
        while (!inbox.isEmpty()) {
            ReferenceCountUtil.release(inbox.poll());
        }
    }

    @Override
    public void upstreamRead(UpstreamLink link, HttpObject message) {
        if (link != upstream || current == null || closing) {
            ReferenceCountUtil.release(message);
            return;
        }
        current.response(message);
    }

    @Override
    public void upstreamReadComplete(UpstreamLink link) {
        if (link == upstream && !closing) {
            ctx.flush();
        }
    }

    @Override
    public void upstreamWritable(UpstreamLink link) {
        if (link == upstream && !closing) {
            drain();
        }
    }

    @Override
    public void upstreamClosed(UpstreamLink link) {
        if (link != upstream || link.channel() == null) {
            return; // an old connection, or one whose failure to connect is reported by its promise
        }
        upstream = null;
        if (current != null && !closing) {
            current.upstreamLost();
        }
    }

    private enum State {
        /** Waiting for the decision. */
        ROUTING,
        /** Allowed; waiting for a token or an upstream connection. */
        PREPARING,
        /** Collecting the body to replace placeholders or to be able to send it again. */
        BUFFERING,
        /** Forwarding the body as it arrives. */
        STREAMING,
        /** The request went upstream whole; anything more from the client is the end of it. */
        SENT,
        /** Answered by the proxy; the rest of the body is read and dropped. */
        DISCARDING
    }

    /** One request and its response. */
    private final class Exchange {
        final HttpRequest request;
        final RequestTarget target;
        final Instant started = Instant.now();
        final long startNanos = System.nanoTime();
        final boolean clientKeepAlive;
        final boolean bodyExpected;
        State state = State.ROUTING;
        Route route;
        boolean buffering;
        boolean requestComplete;
        boolean responseStarted;
        boolean responseComplete;
        boolean recorded;
        boolean allowed = true;
        String reason;
        Integer status;
        long sent;
        long received;
        HttpRequest head;
        CompositeByteBuf buffer;
        /** The whole request as last sent, kept to send again (401 with a fresh token, or a stale connection). */
        FullHttpRequest whole;
        AccessTokens.Token token;
        boolean tokenRetried;
        boolean staleRetried;
        boolean onReusedLink;
        boolean interim;
        boolean swallowing;
        boolean upstreamKeepAlive = true;

        Exchange(HttpRequest request, RequestTarget target) {
            this.request = request;
            this.target = target;
            this.clientKeepAlive = HttpUtil.isKeepAlive(request);
            this.bodyExpected = HttpUtil.isTransferEncodingChunked(request)
                    || HttpUtil.getContentLength(request, 0L) > 0;
        }

        boolean takesContent() {
            return switch (state) {
                case BUFFERING, SENT, DISCARDING -> true;
                case STREAMING -> upstream != null && upstream.usable() && upstream.channel().isWritable();
                default -> false;
            };
        }

        void routed(Route route) {
            this.route = route;
            if (!route.allowed()) {
                refuse(route.denial());
                return;
            }
            Injection injection = route.injection();
            head = upstreamHead(injection);
            OAuth2Grant grant = injection.oauth2();
            long length = HttpUtil.getContentLength(request, -1L);
            buffering = bodyExpected && (injection.rewritesBody() || grant != null)
                    && length <= services.maxBodyBytes();
            state = State.PREPARING;
            if (grant != null) {
                withToken(grant, () -> connect(this::upstreamReady));
            } else {
                connect(this::upstreamReady);
            }
        }

        private HttpRequest upstreamHead(Injection injection) {
            HttpHeaders headers = request.headers().copy();
            HopByHop.strip(headers);
            headers.remove(HttpHeaderNames.EXPECT); // the proxy answers 100-continue itself, once it is ready
            headers.set(HttpHeaderNames.HOST, target.authority());
            injection.rewriteHeaders(headers);
            if (!bodyExpected) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            }
            return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(),
                    injection.rewriteTarget(target.originForm()), headers);
        }

        private void withToken(OAuth2Grant grant, Runnable then) {
            services.tokens().token(grant).whenComplete((t, failure) -> ctx.executor().execute(() -> {
                if (current != this || closing) {
                    return;
                }
                if (failure != null) {
                    upstreamError("could not obtain an access token for " + target.host());
                    return;
                }
                token = t;
                String value = Injection.tokenHeaderValue(grant, t.value());
                head.headers().set(grant.headerName(), value);
                if (whole != null) {
                    whole.headers().set(grant.headerName(), value);
                }
                then.run();
            }));
        }

        private void connect(Runnable then) {
            boolean tls = target.scheme().equals("https");
            String key = route.address() + "|" + target.scheme() + "|" + target.host();
            if (upstream != null && upstream.key.equals(key) && upstream.usable()) {
                onReusedLink = upstream.used;
                then.run();
                return;
            }
            if (upstream != null) {
                UpstreamLink old = upstream;
                upstream = null;
                old.close();
            }
            onReusedLink = false;
            UpstreamLink link = new UpstreamLink(key, ExchangeHandler.this);
            upstream = link;
            services.upstreams().connect(ctx.channel().eventLoop(), route.address(), tls ? target.host() : null, true,
                    p -> {
                        p.addLast("http", new HttpClientCodec(8192, 65536, 8192));
                        p.addLast("link", link);
                    }).addListener(connected -> {
                        if (upstream != link || current != this || closing) {
                            if (connected.isSuccess()) {
                                ((io.netty.channel.Channel) connected.getNow()).close();
                            }
                            return;
                        }
                        if (!connected.isSuccess()) {
                            upstream = null;
                            upstreamError("could not connect to " + target.host() + ":" + target.port() + " ("
                                    + describe(connected.cause()) + ")");
                            return;
                        }
                        link.attach((io.netty.channel.Channel) connected.getNow());
                        then.run();
                    });
        }

        private void upstreamReady() {
            if (bodyExpected && !requestComplete && HttpUtil.is100ContinueExpected(request)) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            if (!bodyExpected) {
                whole = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(),
                        Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
                send(whole.retainedDuplicate());
                state = State.SENT;
            } else if (buffering) {
                buffer = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                state = State.BUFFERING;
            } else {
                send(head);
                state = State.STREAMING;
            }
            drain();
        }

        private void send(Object message) {
            upstream.channel().writeAndFlush(message);
        }

        void content(HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            switch (state) {
                case BUFFERING -> {
                    buffer.addComponent(true, content.content().retain());
                    content.release();
                    if (buffer.readableBytes() > services.maxBodyBytes()) {
                        // Too large to replace in: it goes on as the sandbox wrote it, and cannot be sent again.
                        send(head);
                        sent += buffer.readableBytes();
                        send(new DefaultHttpContent(buffer));
                        buffer = null;
                        state = State.STREAMING;
                        if (last) {
                            send(LastHttpContent.EMPTY_LAST_CONTENT);
                            state = State.SENT;
                        }
                    } else if (last) {
                        sendBuffered();
                    }
                }
                case STREAMING -> {
                    sent += content.content().readableBytes();
                    send(content);
                    if (last) {
                        state = State.SENT;
                    }
                }
                default -> content.release();
            }
            if (last) {
                requestComplete = true;
                maybeEnd();
            }
        }

        private void sendBuffered() {
            ByteBuf body = route.injection().rewritesBody() ? route.injection().rewriteBody(buffer) : buffer.retain();
            buffer.release();
            buffer = null;
            whole = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(), body,
                    head.headers().copy(), EmptyHttpHeaders.INSTANCE);
            whole.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(whole, body.readableBytes());
            sent = body.readableBytes();
            send(whole.retainedDuplicate());
            state = State.SENT;
        }

        void response(HttpObject message) {
            if (message instanceof HttpResponse response) {
                if (response.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(message);
                    dropUpstream();
                    upstreamError(target.host() + " sent a malformed response");
                    return;
                }
                int code = response.status().code();
                if (code / 100 == 1 && code != 101) {
                    interim = true; // the proxy already said 100 Continue itself; other interim answers are dropped
                } else if (code == 401 && retryableWithFreshToken()) {
                    swallowing = true;
                    upstreamKeepAlive = HttpUtil.isKeepAlive(response);
                } else {
                    forwardHead(response);
                }
            }
            if (message instanceof HttpContent content) {
                boolean last = content instanceof LastHttpContent;
                if (interim || swallowing) {
                    content.release();
                    if (last && interim) {
                        interim = false;
                    } else if (last) {
                        swallowing = false;
                        if (!upstreamKeepAlive) {
                            dropUpstream();
                        }
                        retryWithFreshToken();
                    }
                    return;
                }
                received += content.content().readableBytes();
                if (last) {
                    ctx.writeAndFlush(content);
                    responseDone();
                } else {
                    ctx.write(content);
                    if (!ctx.channel().isWritable() && upstream != null) {
                        upstream.channel().config().setAutoRead(false);
                    }
                }
            }
        }

        private void forwardHead(HttpResponse response) {
            status = response.status().code();
            upstreamKeepAlive = HttpUtil.isKeepAlive(response);
            HttpHeaders headers = response.headers().copy();
            HopByHop.strip(headers);
            HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status(), headers);
            boolean bodyless = request.method().equals(HttpMethod.HEAD) || status == 204 || status == 304;
            if (!bodyless && !HttpUtil.isContentLengthSet(out) && !HttpUtil.isTransferEncodingChunked(out)) {
                HttpUtil.setTransferEncodingChunked(out, true); // a read-until-close body, re-framed for keep-alive
            }
            if (!clientKeepAlive) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            responseStarted = true;
            ctx.write(out);
        }

        private boolean retryableWithFreshToken() {
            return route.injection().oauth2() != null && whole != null && !tokenRetried && token != null;
        }

        private void retryWithFreshToken() {
            tokenRetried = true;
            OAuth2Grant grant = route.injection().oauth2();
            services.tokens().invalidate(grant, token);
            withToken(grant, () -> connect(this::sendAgain));
        }

        private void sendAgain() {
            send(whole.retainedDuplicate());
        }

        private void responseDone() {
            responseComplete = true;
            record();
            if (upstream != null) {
                upstream.used = true;
            }
            if (!upstreamKeepAlive || !requestComplete) {
                dropUpstream();
            }
            if (!requestComplete) {
                state = State.DISCARDING;
            }
            maybeEnd();
        }

        void upstreamLost() {
            if (responseComplete || state == State.ROUTING || state == State.PREPARING) {
                return;
            }
            boolean canResend = whole != null && requestComplete && !responseStarted;
            if (swallowing) {
                swallowing = false;
                retryWithFreshToken();
            } else if (canResend && onReusedLink && !staleRetried) {
                // A kept-alive connection the upstream closed just as it was reused: send once more, fresh.
                staleRetried = true;
                connect(this::sendAgain);
            } else if (!responseStarted) {
                upstreamError(target.host() + " closed the connection without answering");
            } else {
                record();
                answerAndClose(Unpooled.EMPTY_BUFFER); // the response is cut short; so must the client connection be
            }
        }

        private void refuse(Denial denial) {
            allowed = false;
            reason = denial.reason().code();
            status = denial.reason().status();
            answerOwn(Responses.denial(denial, false));
        }

        private void upstreamError(String sentence) {
            if (responseStarted) {
                record();
                answerAndClose(Unpooled.EMPTY_BUFFER);
                return;
            }
            reason = Reason.UPSTREAM_ERROR.code();
            status = HttpResponseStatus.BAD_GATEWAY.code();
            answerOwn(Responses.text(HttpResponseStatus.BAD_GATEWAY, "Wharf egress proxy: " + sentence + "\n", false));
        }

        /** Answers for the upstream; the connection stays open only if the rest of the request can be skipped. */
        private void answerOwn(io.netty.handler.codec.http.FullHttpResponse response) {
            boolean rest = requestComplete || !bodyExpected || inbox.stream().anyMatch(m -> m instanceof LastHttpContent);
            boolean keep = clientKeepAlive && rest && !HttpUtil.is100ContinueExpected(request);
            responseStarted = true;
            responseComplete = true;
            record();
            dropUpstreamIfMidRequest();
            state = State.DISCARDING;
            if (!keep) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                releaseBuffers();
                current = null;
                answerAndClose(response);
                return;
            }
            ctx.writeAndFlush(response);
            maybeEnd();
            drain(); // the rest of the body, already queued, is dropped; then the next request
        }

        private void dropUpstreamIfMidRequest() {
            if (state == State.STREAMING || state == State.BUFFERING || state == State.SENT) {
                dropUpstream();
            }
        }

        private void maybeEnd() {
            if (responseComplete && requestComplete && current == this) {
                releaseBuffers();
                current = null;
                if (!clientKeepAlive || stopping) {
                    answerAndClose(Unpooled.EMPTY_BUFFER);
                } else {
                    drain();
                }
            }
        }

        void abandon() {
            releaseBuffers();
            record();
        }

        private void releaseBuffers() {
            if (buffer != null) {
                buffer.release();
                buffer = null;
            }
            if (whole != null) {
                whole.release();
                whole = null;
            }
        }

        private void record() {
            if (recorded) {
                return;
            }
            recorded = true;
            router.recorded();
            services.log().record(new RequestRecord(route == null ? null : route.environmentId(),
                    source.getHostAddress(), started, request.method().name(), target.scheme(), target.host(),
                    target.port(), target.path(), allowed, reason, status, sent, received,
                    (System.nanoTime() - startNanos) / 1_000_000, router.intercepted()));
        }
    }

    private void dropUpstream() {
        if (upstream != null) {
            UpstreamLink link = upstream;
            upstream = null;
            link.close();
        }
    }

    static String describe(Throwable cause) {
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            return "timed out";
        }
        if (cause instanceof javax.net.ssl.SSLException || cause instanceof io.netty.handler.codec.DecoderException
                && cause.getCause() instanceof javax.net.ssl.SSLException) {
            return "TLS handshake failed: the upstream's certificate is not trusted or does not name it";
        }
        if (cause instanceof java.net.ConnectException) {
            return "connection refused";
        }
        return cause.getClass().getSimpleName();
    }
}
