package dev.wharf.egress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * Copies bytes from its channel to a peer channel, reading only while the peer can take them, so a slow side slows
 * the other instead of filling the proxy's memory. Bytes that arrive before the peer exists wait (reading stops).
 */
final class Relay extends ChannelInboundHandlerAdapter {

    interface Counter {
        void relayed(long bytes);
    }

    private final Counter counter;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Channel peer;

    Relay(Counter counter) {
        this.counter = counter;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts relaying to {@code peer}, flushing what waited. */
    void peer(Channel peer) {
        this.peer = peer;
        while (!pending.isEmpty()) {
            forward(pending.poll());
        }
        peer.flush();
        ctx.channel().config().setAutoRead(peer.isWritable());
    }

    /** Stops relaying without closing the peer (it outlives this channel). */
    void detach() {
        peer = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (peer == null) {
            pending.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        forward(msg);
    }

    private void forward(Object msg) {
        if (msg instanceof ByteBuf buf) {
            counter.relayed(buf.readableBytes());
        }
        peer.write(msg);
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (peer != null) {
            peer.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This channel drains what the peer read: let the peer read again once it has.
        if (peer != null && ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        while (!pending.isEmpty()) {
            ReferenceCountUtil.release(pending.poll());
        }
        if (peer != null) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
