package dev.wharf.egress.upstream;

import dev.wharf.egress.policy.HostNames;
import dev.wharf.egress.resolve.Resolution;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A single request the proxy makes on its own behalf (an OAuth token exchange), through the same destination rules as
 * sandbox traffic: operator-mapped names or public addresses only, and verified TLS.
 */
public final class OneShotClient {

    /** Token answers are small; anything larger is not one. */
    private static final int MAX_RESPONSE = 1024 * 1024;

    private final Upstreams upstreams;
    private final EventLoopGroup loops;
    private final Duration timeout;

    public record Reply(int status, byte[] body) {
    }

    public OneShotClient(Upstreams upstreams, EventLoopGroup loops, Duration timeout) {
        this.upstreams = upstreams;
        this.loops = loops;
        this.timeout = timeout;
    }

    public CompletableFuture<Reply> post(String url, String contentType, byte[] body) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IOException("not a URL"));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            return CompletableFuture.failedFuture(new IOException("token URL must be http(s)://host/..."));
        }
        boolean tls = scheme.equals("https");
        String host = HostNames.normalize(uri.getHost());
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        upstreams.destinations().resolve(host, port).whenComplete((resolution, failure) -> {
            if (failure != null) {
                reply.completeExceptionally(failure);
                return;
            }
            if (resolution instanceof Resolution.Refused refused) {
                reply.completeExceptionally(new IOException("token endpoint " + host + " refused: "
                        + refused.reason().code()));
                return;
            }
            var address = ((Resolution.Reachable) resolution).address();
            upstreams.connect(loops.next(), address, tls ? host : null, true, p -> {
                p.addLast(new ReadTimeoutHandler(timeout.toMillis(), TimeUnit.MILLISECONDS));
                p.addLast(new HttpClientCodec());
                p.addLast(new HttpObjectAggregator(MAX_RESPONSE));
                p.addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                        reply.complete(new Reply(response.status().code(), ByteBufUtil.getBytes(response.content())));
                        ctx.close();
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        reply.completeExceptionally(new IOException("token endpoint closed the connection"));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        reply.completeExceptionally(new IOException("token endpoint: " + cause.getClass().getSimpleName()));
                        ctx.close();
                    }
                });
            }).addListener(connected -> {
                if (!connected.isSuccess()) {
                    reply.completeExceptionally(new IOException("cannot reach token endpoint " + host + ": "
                            + connected.cause().getClass().getSimpleName()));
                    return;
                }
                Channel ch = (Channel) connected.getNow();
                FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target,
                        Unpooled.wrappedBuffer(body));
                request.headers()
                        .set(HttpHeaderNames.HOST, uri.getPort() > 0 ? host + ":" + port : host)
                        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                        .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
                        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                ch.writeAndFlush(request);
            });
        });
        return reply.orTimeout(timeout.toMillis() + upstreams.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
}
