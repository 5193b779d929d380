package dev.wharf.budget;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/** Budget figures for /q/metrics: thresholds reached, and work refused or stopped because a budget was used up. */
@ApplicationScoped
public class BudgetMetrics {
    private final MeterRegistry registry;

    public BudgetMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void thresholdReached(String tenantId, BudgetKind kind, int threshold) {
        Counter.builder("wharf.budget.thresholds.reached")
                .description("Budget alert thresholds reached (each fires once per tenant, limit and month)")
                .tag("tenant", tenantId).tag("budget", kind.wire()).tag("threshold", Integer.toString(threshold))
                .register(registry).increment();
    }

    public void refused(String tenantId, BudgetKind kind) {
        Counter.builder("wharf.budget.refusals")
                .description("New interactions and environments refused because a monthly budget was used up")
                .tag("tenant", tenantId).tag("budget", kind.wire()).register(registry).increment();
    }

    public void stopped(String tenantId, BudgetKind kind) {
        Counter.builder("wharf.budget.stopped.interactions")
                .description("Running interactions ended budget_exceeded because their tenant's budget was used up")
                .tag("tenant", tenantId).tag("budget", kind.wire()).register(registry).increment();
    }
}
