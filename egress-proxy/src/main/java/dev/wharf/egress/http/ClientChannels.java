package dev.wharf.egress.http;

import dev.wharf.egress.limit.SandboxQuotas;
import dev.wharf.egress.upstream.Upstreams;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Sets up every accepted sandbox connection: admission against the caps first, then the sandbox's shared shaper,
 * the idle timeout, the HTTP codec and the exchange handler.
 */
public final class ClientChannels extends ChannelInitializer<SocketChannel> {

    private static final Logger LOG = Logger.getLogger(ClientChannels.class.getName());
    /** An over-cap connection gets this long to send the request its 429 answers. */
    private static final int OVER_LIMIT_READ_SECONDS = 5;

    private final ProxyServices services;
    private final ChannelGroup open;
    private final AtomicLong refusedOverTotal = new AtomicLong();

    /** @param open every client connection, so shutdown can close them */
    public ClientChannels(ProxyServices services, ChannelGroup open) {
        this.services = services;
        this.open = open;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        InetAddress source = ch.remoteAddress().getAddress();
        SandboxQuotas.Lease lease = services.quotas().open(source);
        ch.closeFuture().addListener(closed -> lease.close());
        if (lease.state() == SandboxQuotas.Lease.State.OVER_TOTAL) {
            // The proxy as a whole is full: answering would cost what the cap protects.
            long n = refusedOverTotal.incrementAndGet();
            if (Long.bitCount(n) == 1) {
                LOG.warning("proxy-wide connection cap reached; " + n + " connections refused so far");
            }
            ch.close();
            return;
        }
        open.add(ch);
        ChannelPipeline p = ch.pipeline();
        if (lease.state() == SandboxQuotas.Lease.State.OVER_SANDBOX) {
            p.addLast("read-timeout", new ReadTimeoutHandler(OVER_LIMIT_READ_SECONDS));
            p.addLast("http", services.serverCodec());
            p.addLast("over-limit", new OverLimit(services.log(), source));
            return;
        }
        p.addLast("shaper", lease.shaper());
        p.addLast("idle", new IdleStateHandler(0, 0, services.idleSeconds()));
        p.addLast("idle-close", Upstreams.IDLE_CLOSE);
        p.addLast("http", services.serverCodec());
        p.addLast("exchanges", new ExchangeHandler(services, source,
                new ForwardRouter(services.routes(), source)));
    }
}
