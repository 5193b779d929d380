package dev.wharf.budget;

import dev.wharf.metering.Figures;
import dev.wharf.metering.MonthUsage;
import dev.wharf.metering.UsageRecorded;
import dev.wharf.metering.UsageReports;
import dev.wharf.tenant.TenantService;
import dev.wharf.webhook.WebhookDispatcher;
import dev.wharf.webhook.WebhookEventType;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Monthly budgets per tenant. Consumption is the ledger's running monthly sum ({@code usage_month}), so every
 * check is one indexed read. A budget is evaluated whenever usage is recorded (each model call's tokens, sandbox
 * time when it changes hands or stops, and at every metering checkpoint while sandboxes run) and when the budget
 * changes: each threshold crossed fires {@code budget.threshold_reached} exactly once per
 * period (the {@code budget_alert} row and its webhook deliveries commit together), and a used-up limit stops the
 * tenant's running interactions when its policy says so. New work is refused at 100 % by {@link BudgetGate}.
 */
@ApplicationScoped
public class BudgetService {
    private static final Logger LOG = Logger.getLogger(BudgetService.class);

    private final BudgetRepository repository;
    private final UsageReports usage;
    private final WebhookDispatcher webhooks;
    private final BudgetEnforcer enforcer;
    private final BudgetMetrics metrics;
    private final TenantService tenants;
    private final Vertx vertx;

    public BudgetService(BudgetRepository repository, UsageReports usage, WebhookDispatcher webhooks,
                         BudgetEnforcer enforcer, BudgetMetrics metrics, TenantService tenants, Vertx vertx) {
        this.repository = repository;
        this.usage = usage;
        this.webhooks = webhooks;
        this.enforcer = enforcer;
        this.metrics = metrics;
        this.tenants = tenants;
        this.vertx = vertx;
    }

    /** The admin's view of a tenant's budget; 404 for an unknown tenant. */
    public Uni<JsonObject> get(String tenantId) {
        return tenants.get(tenantId).chain(tenant -> view(tenantId));
    }

    /** Replaces a tenant's budget, then evaluates it at once (a lowered limit may already be crossed). */
    public Uni<JsonObject> replace(String tenantId, JsonObject body) {
        Budget budget = BudgetRequest.parse(tenantId, body);
        return tenants.get(tenantId).chain(tenant -> repository.save(budget))
                .chain(() -> evaluate(tenantId))
                .chain(() -> view(tenantId));
    }

    /**
     * {@code {tenant_id, sandbox_minutes, tokens, cost, currency, thresholds, stop_running, period,
     * consumed: {sandbox_minutes, tokens, cost}, exhausted, alerts: [{budget, threshold, consumed, limit, fired_at}]}}
     */
    /** Removes the budget of a tenant being deleted: nothing is left to limit. */
    public Uni<Void> deleteOf(String tenantId) {
        return repository.delete(tenantId);
    }

    public Uni<JsonObject> view(String tenantId) {
        return repository.find(tenantId).map(found -> found.orElse(Budget.none(tenantId)))
                .chain(budget -> usage.currentMonth(tenantId).chain(month -> repository.alerts(tenantId, month.period())
                        .map(alerts -> json(budget, month, alerts))));
    }

    /** Why the tenant may start no new work, or empty while every limit has room. */
    public Uni<Optional<String>> refusal(String tenantId) {
        return repository.find(tenantId).chain(found -> {
            if (found.isEmpty() || unlimited(found.get())) {
                return Uni.createFrom().item(Optional.<String>empty());
            }
            return usage.currentMonth(tenantId).map(month -> BudgetCheck.exhausted(found.get(), month).map(used -> {
                metrics.refused(tenantId, used.kind());
                return BudgetCheck.usedUp(used, tenantId, usage.currency()) + "; new interactions and environments are"
                        + " refused until the budget is raised or the month ends";
            }));
        });
    }

    /** Fires the thresholds newly crossed this period, and stops running work at 100 % if the policy says so. */
    public Uni<Void> evaluate(String tenantId) {
        return repository.find(tenantId).chain(found -> {
            if (found.isEmpty() || unlimited(found.get())) {
                return Uni.createFrom().voidItem();
            }
            Budget budget = found.get();
            return usage.currentMonth(tenantId).chain(month -> fireNew(budget, month).chain(() -> {
                Optional<BudgetCheck.Crossing> used = BudgetCheck.exhausted(budget, month);
                if (used.isEmpty() || !budget.stopRunning()) {
                    return Uni.createFrom().voidItem();
                }
                return enforcer.stopRunning(tenantId, used.get().kind(),
                        BudgetCheck.usedUp(used.get(), tenantId, usage.currency()));
            }));
        });
    }

    private Uni<Void> fireNew(Budget budget, MonthUsage month) {
        List<BudgetCheck.Crossing> crossed = BudgetCheck.crossed(budget, month);
        if (crossed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return repository.alerts(budget.tenantId(), month.period()).chain(alerts -> {
            Set<String> fired = new HashSet<>();
            alerts.forEach(alert -> fired.add(alert.kind().wire() + "/" + alert.threshold()));
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (BudgetCheck.Crossing crossing : crossed) {
                if (!fired.contains(crossing.kind().wire() + "/" + crossing.threshold())) {
                    chain = chain.chain(() -> fire(budget.tenantId(), month, crossing));
                }
            }
            return chain;
        });
    }

    /** The alert row and the webhook deliveries commit together; only the evaluation that inserts the row sends. */
    private Uni<Void> fire(String tenantId, MonthUsage month, BudgetCheck.Crossing crossing) {
        String currency = usage.currency();
        JsonObject data = new JsonObject()
                .put("tenant_id", tenantId)
                .put("budget", crossing.kind().wire())
                .put("threshold_percent", crossing.threshold())
                .put("period", period(month))
                .put("consumed", amount(crossing.kind(), crossing.consumed()))
                .put("limit", amount(crossing.kind(), crossing.limit()))
                .put("unit", crossing.kind().unit(currency));
        return repository.inTransaction(tx -> repository.fire(tx, tenantId, month.period(), crossing)
                        .chain(won -> won ? webhooks.enqueueForTenant(tx, tenantId,
                                WebhookEventType.BUDGET_THRESHOLD_REACHED, data).replaceWith(true)
                                : Uni.createFrom().item(false)))
                .invoke(won -> {
                    if (won) {
                        metrics.thresholdReached(tenantId, crossing.kind(), crossing.threshold());
                        LOG.infof("tenant %s reached %d%% of its monthly %s", tenantId, crossing.threshold(),
                                crossing.kind().describe(crossing.limit(), currency));
                    }
                })
                .replaceWithVoid();
    }

    /** Usage reached the ledger: evaluate the tenant's budget, detached from whoever recorded it. */
    void onUsage(@Observes UsageRecorded recorded) {
        detached(recorded.tenantId(), () -> evaluate(recorded.tenantId()));
    }

    /** Runs on a Vert.x context (stopping an agent run needs one), never failing the caller. */
    private void detached(String subject, java.util.function.Supplier<Uni<Void>> work) {
        Context context = Vertx.currentContext() != null ? Vertx.currentContext() : vertx.getOrCreateContext();
        context.runOnContext(ignored -> work.get().subscribe().with(done -> { },
                e -> LOG.warnf("budget evaluation for %s failed: %s", subject, e.getMessage())));
    }

    private static boolean unlimited(Budget budget) {
        return budget.sandboxMinutes() == null && budget.tokens() == null && budget.cost() == null;
    }

    private JsonObject json(Budget budget, MonthUsage month, List<BudgetRepository.Alert> alerts) {
        JsonArray fired = new JsonArray();
        for (BudgetRepository.Alert alert : alerts) {
            fired.add(new JsonObject().put("budget", alert.kind().wire()).put("threshold", alert.threshold())
                    .put("consumed", amount(alert.kind(), alert.consumed()))
                    .put("limit", amount(alert.kind(), alert.limit()))
                    .put("fired_at", alert.firedAt().truncatedTo(ChronoUnit.MILLIS).toString()));
        }
        JsonObject json = new JsonObject().put("tenant_id", budget.tenantId())
                .put("sandbox_minutes", budget.sandboxMinutes() == null ? null : Figures.plain(budget.sandboxMinutes()))
                .put("tokens", budget.tokens())
                .put("cost", budget.cost() == null ? null : Figures.money(budget.cost()))
                .put("currency", usage.currency())
                .put("thresholds", new JsonArray(budget.thresholds()))
                .put("stop_running", budget.stopRunning())
                .put("period", period(month))
                .put("consumed", new JsonObject()
                        .put("sandbox_minutes", amount(BudgetKind.SANDBOX_MINUTES, month.sandboxMinutes()))
                        .put("tokens", month.totalTokens())
                        .put("cost", Figures.money(month.cost())))
                .put("exhausted", BudgetCheck.exhausted(budget, month).isPresent())
                .put("alerts", fired);
        return json;
    }

    private static BigDecimal amount(BudgetKind kind, BigDecimal value) {
        return kind == BudgetKind.TOKENS ? Figures.plain(value) : Figures.money(value);
    }

    private static String period(MonthUsage month) {
        return month.period().toString().substring(0, "yyyy-mm".length());
    }
}
