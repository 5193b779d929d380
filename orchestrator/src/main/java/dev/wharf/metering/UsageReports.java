package dev.wharf.metering;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.temporal.ChronoUnit;

/** Reads the ledger: an interaction's charges, a tenant's month, and usage reports by day, agent, model or tenant. */
@ApplicationScoped
public class UsageReports {
    private final UsageLedger ledger;
    private final PriceBook prices;

    public UsageReports(UsageLedger ledger, PriceBook prices) {
        this.ledger = ledger;
        this.prices = prices;
    }

    /**
     * Sandbox seconds and cost charged to an interaction so far: the ledger, plus the running stretch of any
     * sandbox still working for it (priced as it will be when written).
     */
    public Uni<InteractionCharges> forInteraction(String interactionId) {
        return forInteraction(ledger.pool(), interactionId);
    }

    /** The same, read through {@code client}: inside a transaction, its own connection (never a second one). */
    public Uni<InteractionCharges> forInteraction(io.vertx.mutiny.sqlclient.SqlClient client, String interactionId) {
        return ledger.interactionTotals(client, interactionId).chain(totals -> ledger.unmetered(client, interactionId).map(open -> {
            BigDecimal seconds = totals.sandboxSeconds();
            BigDecimal cost = totals.cost();
            for (UsageLedger.Unmetered running : open) {
                seconds = seconds.add(running.seconds());
                cost = cost.add(prices.sandboxCost(running.seconds(), running.serviceTier()));
            }
            return new InteractionCharges(seconds, cost);
        }));
    }

    public Uni<MonthUsage> currentMonth(String tenantId) {
        return ledger.currentMonth(tenantId);
    }

    public String currency() {
        return prices.currency();
    }

    /**
     * {@code {from, to, group_by, currency, tenant_id?, rows: [{key, sandbox_seconds, input_tokens, output_tokens,
     * thought_tokens, total_tokens, cost}], total: {...}}}; a row's key is null for usage without one (sandbox time
     * by model, model interactions by agent).
     */
    public Uni<JsonObject> report(UsageQuery query) {
        return ledger.range(query.from(), query.to()).chain(range -> {
            if (!range[0].isBefore(range[1])) {
                return Uni.createFrom().failure(dev.wharf.api.ApiException.invalidArgument("from must be before to"));
            }
            return ledger.grouped(query.groupBy(), query.tenantId(), range[0], range[1]).map(groups -> {
                JsonArray rows = new JsonArray();
                UsageLedger.Totals total = UsageLedger.Totals.NONE;
                for (UsageLedger.Group group : groups) {
                    rows.add(new JsonObject().put("key", group.key()).mergeIn(totalsJson(group.totals())));
                    total = total.plus(group.totals());
                }
                JsonObject report = new JsonObject()
                        .put("from", range[0].truncatedTo(ChronoUnit.MILLIS).toString())
                        .put("to", range[1].truncatedTo(ChronoUnit.MILLIS).toString())
                        .put("group_by", query.groupBy().wire())
                        .put("currency", prices.currency());
                if (query.tenantId() != null) {
                    report.put("tenant_id", query.tenantId());
                }
                return report.put("rows", rows).put("total", totalsJson(total));
            });
        });
    }

    private static JsonObject totalsJson(UsageLedger.Totals totals) {
        return new JsonObject().put("sandbox_seconds", Figures.seconds(totals.sandboxSeconds()))
                .put("input_tokens", totals.inputTokens())
                .put("output_tokens", totals.outputTokens())
                .put("thought_tokens", totals.thoughtTokens())
                .put("total_tokens", totals.inputTokens() + totals.outputTokens() + totals.thoughtTokens())
                .put("cost", Figures.money(totals.cost()));
    }
}
