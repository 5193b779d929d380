package dev.wharf.capacity;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Capacity figures for /q/metrics: queue depth by tier and slots in use (gauges, as of this control plane's last
 * dispatcher pass), time from enqueue to admission by tier (histogram), and standalone environments refused.
 */
@ApplicationScoped
public class CapacityMetrics {
    private final MeterRegistry registry;
    private final Map<ServiceTier, AtomicLong> depth = new EnumMap<>(ServiceTier.class);
    private final AtomicLong slotsInUse = new AtomicLong();

    public CapacityMetrics(MeterRegistry registry, CapacityConfig config) {
        this.registry = registry;
        for (ServiceTier tier : ServiceTier.values()) {
            AtomicLong value = new AtomicLong();
            depth.put(tier, value);
            Gauge.builder("wharf.queue.depth", value, AtomicLong::get)
                    .description("Agent interactions waiting for a sandbox slot, by service tier")
                    .tag("tier", tier.wire())
                    .register(registry);
        }
        Gauge.builder("wharf.capacity.slots.used", slotsInUse, AtomicLong::get)
                .description("Sandbox slots in use: running agent interactions' and standalone environments' sandboxes")
                .register(registry);
        Gauge.builder("wharf.capacity.slots.max", config, c -> c.maxSandboxes())
                .description("Sandbox slots on this host (wharf.capacity.max-sandboxes)")
                .register(registry);
    }

    public void depth(Map<ServiceTier, Long> byTier) {
        byTier.forEach((tier, count) -> depth.get(tier).set(count));
    }

    public void slotsInUse(int slots) {
        slotsInUse.set(slots);
    }

    public void waited(ServiceTier tier, Duration wait) {
        Timer.builder("wharf.queue.wait")
                .description("Time an agent interaction waited in the queue before it was admitted")
                .tag("tier", tier.wire())
                .publishPercentileHistogram()
                .register(registry)
                .record(wait.isNegative() ? Duration.ZERO : wait);
    }

    /** A standalone environment refused for lack of capacity; {@code scope} is host or tenant. */
    public void refused(String scope) {
        Counter.builder("wharf.capacity.refused")
                .description("Standalone environments refused with 429 because the host or tenant was at capacity")
                .tag("scope", scope)
                .register(registry)
                .increment();
    }
}
