package dev.wharf.egress.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/** One HTTP connection to an upstream, kept alive across a client's requests while they go to the same place. */
final class UpstreamLink extends ChannelInboundHandlerAdapter {

    interface Listener {
        void upstreamRead(UpstreamLink link, HttpObject message);

        void upstreamReadComplete(UpstreamLink link);

        void upstreamWritable(UpstreamLink link);

        void upstreamClosed(UpstreamLink link);
    }

    /** Address, scheme and name: a connection is reused only for exactly the same destination. */
    final String key;
    private final Listener listener;
    private Channel channel;
    /** Whether a request already completed on this connection (so a close before any answer may be a stale one). */
    boolean used;

    UpstreamLink(String key, Listener listener) {
        this.key = key;
        this.listener = listener;
    }

    Channel channel() {
        return channel;
    }

    void attach(Channel channel) {
        this.channel = channel;
    }

    boolean usable() {
        return channel != null && channel.isActive();
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpObject http) {
            listener.upstreamRead(this, http);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        listener.upstreamReadComplete(this);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            listener.upstreamWritable(this);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        listener.upstreamClosed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
