package dev.wharf.egress.upstream;

import dev.wharf.egress.resolve.Destinations;
import dev.wharf.egress.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Promise;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/** Opens connections from the proxy to checked upstream addresses, plain or over verified TLS. */
public final class Upstreams {

    private final Destinations destinations;
    private final UpstreamTls tls;
    private final int connectTimeoutMillis;
    private final int idleSeconds;

    public Upstreams(Destinations destinations, UpstreamTls tls, int connectTimeoutMillis, int idleSeconds) {
        this.destinations = destinations;
        this.tls = tls;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.idleSeconds = idleSeconds;
    }

    public Destinations destinations() {
        return destinations;
    }

    public int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    /**
     * Connects on {@code loop} (the client connection's own, so the two sides never race) to {@code address}.
     *
     * @param tlsHost null for plain TCP; otherwise the name sent as SNI and verified against the certificate
     * @param handlers adds the caller's handlers after the proxy's own (idle timeout, TLS)
     * @return completes once the connection (and the TLS handshake) is up
     */
    public Promise<Channel> connect(EventLoop loop, InetSocketAddress address, String tlsHost, boolean autoRead,
                                    Consumer<ChannelPipeline> handlers) {
        Promise<Channel> ready = loop.newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, autoRead)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("idle", new IdleStateHandler(0, 0, idleSeconds));
                        p.addLast("idle-close", IDLE_CLOSE);
                        if (tlsHost != null) {
                            p.addLast("tls", tls.newHandler(ch.alloc(), tlsHost, address.getPort()));
                        }
                        handlers.accept(p);
                    }
                });
        bootstrap.connect(address).addListener(connected -> {
            if (!connected.isSuccess()) {
                ready.tryFailure(connected.cause());
                return;
            }
            Channel ch = ((io.netty.channel.ChannelFuture) connected).channel();
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            if (ssl == null) {
                ready.trySuccess(ch);
                return;
            }
            if (!autoRead) {
                ch.read(); // the handshake needs reads even while the caller holds the data back
            }
            ssl.handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess()) {
                    ready.trySuccess(ch);
                } else {
                    ch.close();
                    ready.tryFailure(handshake.cause());
                }
            });
        });
        return ready;
    }

    /** Closes a connection that has been idle for the configured time. */
    public static final ChannelHandler IDLE_CLOSE = new IdleClose();

    @ChannelHandler.Sharable
    private static final class IdleClose extends ChannelDuplexHandler {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }
    }
}
