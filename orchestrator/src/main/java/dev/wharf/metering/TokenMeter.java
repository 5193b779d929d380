package dev.wharf.metering;

import dev.wharf.model.Usage;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.List;

/**
 * Meters model tokens: each model call's usage, as the provider reported it, becomes one ledger record charged
 * to the interaction's tenant, by model, at the interaction's service tier.
 */
@ApplicationScoped
public class TokenMeter {
    private final UsageLedger ledger;
    private final PriceBook prices;
    private final UsageSignals signals;

    public TokenMeter(UsageLedger ledger, PriceBook prices, UsageSignals signals) {
        this.ledger = ledger;
        this.prices = prices;
        this.signals = signals;
    }

    /** Records one call of {@code model} (the Wharf model id, e.g. openai/gpt-4o) for the interaction. */
    public Uni<Void> record(String interactionId, String model, Usage usage) {
        if (usage == null || usage.total() == 0) {
            return Uni.createFrom().voidItem();
        }
        return ledger.inTransaction(tx -> ledger.interaction(tx, interactionId, false).chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(List.<UsageRecord>of());
                    }
                    UsageLedger.Charged charged = found.get();
                    String tier = prices.tier(charged.requestedTier());
                    UsageRecord record = new UsageRecord(charged.tenantId(), UsageRecord.TOKENS, charged.dbNow(), null,
                            UsageSpans.periodOf(charged.dbNow()), charged.environmentId(), null, interactionId,
                            charged.agent(), model, tier, BigDecimal.ZERO, usage.inputTokens(), usage.outputTokens(),
                            usage.thoughtTokens(), prices.tokenCost(model, usage.inputTokens(), usage.outputTokens(),
                            usage.thoughtTokens(), tier));
                    return ledger.append(tx, record).replaceWith(List.of(record));
                }))
                .invoke(signals::committed).replaceWithVoid();
    }
}
