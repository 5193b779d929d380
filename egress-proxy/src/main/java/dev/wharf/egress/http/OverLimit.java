package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import dev.wharf.egress.decision.Reason;
import dev.wharf.egress.log.RequestLog;
import dev.wharf.egress.log.RequestRecord;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.time.Instant;

/**
 * A connection past its sandbox's cap: its first request is answered 429 (so the sandbox sees why) and logged, then
 * the connection closes. It is never counted against the cap itself.
 */
final class OverLimit extends ChannelInboundHandlerAdapter {

    private final RequestLog log;
    private final InetAddress source;
    private boolean answered;

    OverLimit(RequestLog log, InetAddress source) {
        this.log = log;
        this.source = source;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (answered || !(msg instanceof HttpRequest request)) {
                return;
            }
            answered = true;
            String host = null;
            int port = 0;
            String scheme = "http";
            String path = null;
            try {
                if (request.method().equals(HttpMethod.CONNECT)) {
                    String[] hostPort = RequestTarget.authority(request.uri(), 443);
                    host = hostPort[0];
                    port = Integer.parseInt(hostPort[1]);
                    scheme = "https";
                } else {
                    RequestTarget target = RequestTarget.absolute(request.uri());
                    host = target.host();
                    port = target.port();
                    path = target.path();
                }
            } catch (RequestTarget.BadRequest | RuntimeException unparseable) {
                // still refused and logged, without a destination
            }
            log.record(new RequestRecord(null, source.getHostAddress(), Instant.now(), request.method().name(), scheme,
                    host, port, path, false, Reason.CONNECTION_LIMIT.code(), Reason.CONNECTION_LIMIT.status(), 0, 0, 0,
                    false));
            ctx.writeAndFlush(Responses.denial(Denial.of(Reason.CONNECTION_LIMIT, host), true))
                    .addListener(ChannelFutureListener.CLOSE);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
