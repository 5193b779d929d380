package dev.wharf.metering;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Tells the rest of the platform about usage that has just been committed to the ledger: Micrometer counters by
 * tenant (sandbox seconds, tokens by model and kind, cost) and a {@link UsageRecorded} event per tenant, which
 * budgets observe. Counters count what this control plane wrote; Prometheus sums them across instances.
 */
@ApplicationScoped
public class UsageSignals {
    private static final Logger LOG = Logger.getLogger(UsageSignals.class);

    private final MeterRegistry registry;
    private final Event<UsageRecorded> recorded;
    private final PriceBook prices;

    public UsageSignals(MeterRegistry registry, Event<UsageRecorded> recorded, PriceBook prices) {
        this.registry = registry;
        this.recorded = recorded;
        this.prices = prices;
    }

    /** Call after the transaction that wrote {@code records} committed. */
    public void committed(List<UsageRecord> records) {
        Set<String> tenants = new LinkedHashSet<>();
        for (UsageRecord r : records) {
            tenants.add(r.tenantId());
            if (UsageRecord.SANDBOX.equals(r.kind())) {
                Counter.builder("wharf.usage.sandbox.seconds").description("Sandbox running time metered, in seconds")
                        .tag("tenant", r.tenantId()).register(registry).increment(r.sandboxSeconds().doubleValue());
            } else {
                tokens(r, "input", r.inputTokens());
                tokens(r, "output", r.outputTokens());
                tokens(r, "thought", r.thoughtTokens());
            }
            Counter.builder("wharf.usage.cost").description("Cost of metered usage, in the price book's currency")
                    .tag("tenant", r.tenantId()).tag("currency", prices.currency()).register(registry)
                    .increment(r.cost().doubleValue());
        }
        for (String tenant : tenants) {
            try {
                recorded.fire(new UsageRecorded(tenant));
            } catch (RuntimeException e) {
                LOG.warnf("an observer of usage for tenant %s failed: %s", tenant, e.getMessage());
            }
        }
    }

    private void tokens(UsageRecord r, String kind, long count) {
        if (count > 0) {
            Counter.builder("wharf.usage.tokens").description("Model tokens metered")
                    .tag("tenant", r.tenantId()).tag("model", r.model() == null ? "unknown" : r.model())
                    .tag("kind", kind).register(registry).increment(count);
        }
    }
}
