package dev.wharf.egress;

import dev.wharf.egress.http.ClientChannels;
import dev.wharf.egress.http.ProxyServices;
import dev.wharf.egress.http.Routes;
import dev.wharf.egress.http.ShutdownRequested;
import dev.wharf.egress.inject.AccessTokens;
import dev.wharf.egress.inject.RefreshTokenRotations;
import dev.wharf.egress.limit.SandboxQuotas;
import dev.wharf.egress.log.RequestLog;
import dev.wharf.egress.policy.PolicyClient;
import dev.wharf.egress.resolve.Destinations;
import dev.wharf.egress.resolve.ResolveFile;
import dev.wharf.egress.tls.CertificateAuthority;
import dev.wharf.egress.tls.LeafCertificates;
import dev.wharf.egress.tls.UpstreamTls;
import dev.wharf.egress.upstream.OneShotClient;
import dev.wharf.egress.upstream.Upstreams;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/** A running proxy: started by {@link #start}, stopped (gracefully) by {@link #close}. */
public final class EgressProxy implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EgressProxy.class.getName());
    /** Pending DNS look-ups beyond the resolver threads; past this, names are answered "could not be resolved". */
    private static final int RESOLVER_QUEUE = 1024;
    /** How long the proxy's own token exchange may take. */
    private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(10);
    /** How long shutdown keeps trying to deliver the last log records. */
    private static final Duration LOG_FLUSH_ON_SHUTDOWN = Duration.ofSeconds(5);

    private final EgressSettings settings;
    private final Channel server;
    private final ChannelGroup open;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ThreadPoolExecutor resolver;
    private final RequestLog log;
    private final X509Certificate caCertificate;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EgressProxy(EgressSettings settings, Channel server, ChannelGroup open, EventLoopGroup boss,
                        EventLoopGroup workers, ThreadPoolExecutor resolver, RequestLog log,
                        X509Certificate caCertificate) {
        this.settings = settings;
        this.server = server;
        this.open = open;
        this.boss = boss;
        this.workers = workers;
        this.resolver = resolver;
        this.log = log;
        this.caCertificate = caCertificate;
    }

    /**
     * Readies the CA, binds the listen address and starts serving.
     *
     * @throws IllegalStateException when the CA cannot be used or the address cannot be bound
     * @throws IllegalArgumentException when a configured file is unreadable or malformed
     */
    public static EgressProxy start(EgressSettings settings) {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(settings.stateDir());
        LeafCertificates leaves = new LeafCertificates(ca);
        UpstreamTls upstreamTls = UpstreamTls.create(settings.upstreamCa());
        ResolveFile resolveFile = settings.resolveFile() == null ? null : ResolveFile.read(settings.resolveFile());

        AtomicInteger resolverThreads = new AtomicInteger();
        ThreadPoolExecutor resolver = new ThreadPoolExecutor(settings.resolverThreads(), settings.resolverThreads(),
                60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(RESOLVER_QUEUE), r -> {
                    Thread t = new Thread(r, "egress-dns-" + resolverThreads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        resolver.allowCoreThreadTimeOut(true);

        Duration policyTimeout = Duration.ofMillis(settings.policyTimeoutMillis());
        HttpClient control = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(policyTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(java.net.http.HttpClient.Builder.NO_PROXY)
                .build();
        String base = settings.controlUrl().toString();

        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup();
        RequestLog log = new RequestLog(control, base, settings.controlToken(), settings.logBufferEntries(),
                settings.logFlushMillis(), Duration.ofSeconds(10));
        try {
            SandboxQuotas quotas = new SandboxQuotas(settings.maxConnectionsPerSandbox(), settings.maxConnections(),
                    settings.bandwidthBytesPerSecond(), workers);
            Destinations destinations = new Destinations(settings.hosts(), resolveFile, resolver);
            Upstreams upstreams = new Upstreams(destinations, upstreamTls, settings.connectTimeoutMillis(),
                    settings.idleTimeoutSeconds());
            AccessTokens tokens = new AccessTokens(new OneShotClient(upstreams, workers, TOKEN_TIMEOUT),
                    new RefreshTokenRotations(control, base, settings.controlToken(), Duration.ofSeconds(10), workers),
                    Clock.systemUTC());
            Routes routes = new Routes(new PolicyClient(control, base, settings.controlToken(), policyTimeout),
                    destinations, quotas);
            ProxyServices services = new ProxyServices(routes, upstreams, tokens, leaves, log, quotas,
                    settings.maxBodyBytes(), settings.maxInitialLineBytes(), settings.maxHeaderBytes(),
                    settings.idleTimeoutSeconds());
            ChannelGroup open = new DefaultChannelGroup("egress-clients", GlobalEventExecutor.INSTANCE);
            Channel server = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ClientChannels(services, open))
                    .bind(settings.listen())
                    .syncUninterruptibly()
                    .channel();
            return new EgressProxy(settings, server, open, boss, workers, resolver, log, ca.certificate());
        } catch (RuntimeException e) {
            log.close(Duration.ZERO);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            resolver.shutdownNow();
            throw new IllegalStateException("cannot listen on " + settings.listen() + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** The CA sandboxes must trust, for intercepted connections. */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** {@code host:port} as bound, IPv6 in brackets. */
    public String boundAddress() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Stops accepting, lets open connections finish for the grace period, closes the rest (which records their last
     * log lines), then delivers the log.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.close().awaitUninterruptibly();
        open.forEach(ch -> ch.pipeline().fireUserEventTriggered(ShutdownRequested.INSTANCE));
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownGraceMillis());
        while (!open.isEmpty() && System.nanoTime() < until) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!open.isEmpty()) {
            LOG.info("closing " + open.size() + " connections still open at shutdown");
        }
        open.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        // Closing runs the connections' last callbacks on their loops; let those land before the final flush.
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        log.close(LOG_FLUSH_ON_SHUTDOWN);
        resolver.shutdownNow();
    }
}
