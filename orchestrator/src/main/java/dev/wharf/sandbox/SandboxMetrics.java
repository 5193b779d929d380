package dev.wharf.sandbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sandbox figures for /q/metrics: create latency (histogram, so p50/p95 can be derived), exec latency by
 * outcome, failures by reason, and gauges of environments by status and of running sandbox containers.
 */
@ApplicationScoped
public class SandboxMetrics {
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> environmentsByStatus = new ConcurrentHashMap<>();
    private final AtomicLong runningContainers = new AtomicLong();

    public SandboxMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("wharf.sandboxes.running", runningContainers, AtomicLong::get)
                .description("Sandbox containers running on the engine, as last reconciled")
                .register(registry);
    }

    public Timer.Sample startCreate() {
        return Timer.start(registry);
    }

    public void createFinished(Timer.Sample sample, String outcome) {
        sample.stop(Timer.builder("wharf.sandbox.create")
                .description("Time from create (or resume) to a sandbox whose daemon answers")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry));
    }

    public Timer.Sample startExec() {
        return Timer.start(registry);
    }

    public void execFinished(Timer.Sample sample, boolean timedOut, boolean oomKilled) {
        String outcome = oomKilled ? "oom_killed" : timedOut ? "timed_out" : "completed";
        sample.stop(Timer.builder("wharf.exec")
                .description("Command round trip through the sandbox daemon")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry));
    }

    public void sandboxFailed(SandboxFailure.Reason reason) {
        Counter.builder("wharf.sandbox.failures")
                .description("Sandboxes that stopped or failed to start, by diagnosed reason")
                .tag("reason", reason.wire())
                .register(registry)
                .increment();
    }

    public void orphanRemoved(String kind) {
        Counter.builder("wharf.sandbox.orphans.removed")
                .description("Containers and volumes with no owning environment, removed by reconciliation")
                .tag("kind", kind)
                .register(registry)
                .increment();
    }

    /** Replaces the per-status environment counts; statuses absent from {@code counts} read zero. */
    public void environmentCounts(Map<String, Long> counts, Iterable<String> allStatuses) {
        for (String status : allStatuses) {
            environmentsByStatus.computeIfAbsent(status, s -> {
                AtomicLong value = new AtomicLong();
                Gauge.builder("wharf.environments", value, AtomicLong::get)
                        .description("Environments by status")
                        .tag("status", s)
                        .register(registry);
                return value;
            }).set(counts.getOrDefault(status, 0L));
        }
    }

    public void runningContainers(long count) {
        runningContainers.set(count);
    }
}
