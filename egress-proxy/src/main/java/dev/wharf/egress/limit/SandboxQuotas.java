package dev.wharf.egress.limit;

import io.netty.handler.traffic.GlobalTrafficShapingHandler;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-sandbox (per source address) connection caps and bandwidth, and the proxy-wide connection cap.
 *
 * <p>A connection is admitted when it is accepted, against the limit the sandbox's latest policy answer set (the
 * default until it has one): the policy is asked per request, but admission cannot wait for a request. One traffic
 * shaper per sandbox is shared by all its connections, so opening more connections buys no more bandwidth; it is
 * released with the sandbox's last connection.
 */
public final class SandboxQuotas {

    /** Past this many remembered sources the memory is dropped and defaults apply until the next answers. */
    private static final int MAX_REMEMBERED = 65_536;

    private final int defaultMaxPerSandbox;
    private final int maxTotal;
    private final long defaultBandwidth;
    private final ScheduledExecutorService timer;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<InetAddress, Sandbox> active = new ConcurrentHashMap<>();
    private final Map<InetAddress, Overrides> overrides = new ConcurrentHashMap<>();

    private record Overrides(Integer maxConnections, Long bandwidth) {
    }

    private final class Sandbox {
        int connections;
        final GlobalTrafficShapingHandler shaper;

        Sandbox(long bandwidth) {
            shaper = new GlobalTrafficShapingHandler(timer, bandwidth, bandwidth, 1000);
        }
    }

    /** @param defaultBandwidth bytes per second each way; 0 is unlimited */
    public SandboxQuotas(int defaultMaxPerSandbox, int maxTotal, long defaultBandwidth,
                         ScheduledExecutorService timer) {
        this.defaultMaxPerSandbox = defaultMaxPerSandbox;
        this.maxTotal = maxTotal;
        this.defaultBandwidth = defaultBandwidth;
        this.timer = timer;
    }

    /** One accepted connection's share; {@link Lease#close()} it when the connection closes. */
    public Lease open(InetAddress source) {
        if (total.incrementAndGet() > maxTotal) {
            return new Lease(source, Lease.State.OVER_TOTAL, null);
        }
        Overrides o = overrides.get(source);
        int limit = o != null && o.maxConnections() != null ? o.maxConnections() : defaultMaxPerSandbox;
        long bandwidth = o != null && o.bandwidth() != null ? o.bandwidth() : defaultBandwidth;
        GlobalTrafficShapingHandler[] shaper = new GlobalTrafficShapingHandler[1];
        active.compute(source, (ip, sandbox) -> {
            Sandbox s = sandbox != null ? sandbox : new Sandbox(bandwidth);
            if (s.connections < limit) {
                s.connections++;
                shaper[0] = s.shaper;
            }
            if (s.connections == 0) {
                s.shaper.release();
                return null;
            }
            return s;
        });
        return new Lease(source, shaper[0] != null ? Lease.State.ADMITTED : Lease.State.OVER_SANDBOX, shaper[0]);
    }

    /** Remembers the limits of the sandbox's latest policy answer; bandwidth changes apply at once. */
    public void apply(InetAddress source, Integer maxConnections, Long bandwidth) {
        Overrides next = new Overrides(maxConnections, bandwidth);
        if (next.equals(overrides.get(source))) {
            return;
        }
        if (overrides.size() >= MAX_REMEMBERED) {
            overrides.clear();
        }
        overrides.put(source, next);
        long effective = bandwidth != null ? bandwidth : defaultBandwidth;
        Sandbox s = active.get(source);
        if (s != null) {
            s.shaper.configure(effective, effective);
        }
    }

    private void release(Lease lease) {
        total.decrementAndGet();
        if (lease.state() != Lease.State.ADMITTED) {
            return;
        }
        active.computeIfPresent(lease.source(), (ip, s) -> {
            if (--s.connections > 0) {
                return s;
            }
            s.shaper.release();
            return null;
        });
    }

    /** A connection's admission. */
    public final class Lease implements AutoCloseable {

        public enum State { ADMITTED, OVER_SANDBOX, OVER_TOTAL }

        private final InetAddress source;
        private final State state;
        private final GlobalTrafficShapingHandler shaper;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(InetAddress source, State state, GlobalTrafficShapingHandler shaper) {
            this.source = source;
            this.state = state;
            this.shaper = shaper;
        }

        public InetAddress source() {
            return source;
        }

        public State state() {
            return state;
        }

        /** The sandbox's shared shaper; null unless admitted. */
        public GlobalTrafficShapingHandler shaper() {
            return shaper;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(this);
            }
        }
    }
}
