package dev.wharf.budget;

import dev.wharf.interaction.AgentRunLauncher;
import dev.wharf.interaction.InteractionLog;
import dev.wharf.interaction.InteractionRepository;
import dev.wharf.interaction.InteractionViews;
import dev.wharf.lifecycle.InteractionStatus;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Stops a tenant's running interactions when its budget is used up and its policy says so: each ends
 * {@code budget_exceeded} through the interaction log (the same conditional transition the watchdog uses for
 * deadlines), and an agent run is then told to stop in its sandbox, as cancel does. The model gateway refuses the
 * run's next turn anyway, so a lost stop request cannot keep it going.
 */
@ApplicationScoped
public class BudgetEnforcer {
    private static final Logger LOG = Logger.getLogger(BudgetEnforcer.class);
    /** The {@code errors[].code} of an interaction stopped by its tenant's budget. */

    private final BudgetRepository budgets;
    private final InteractionRepository interactions;
    private final InteractionLog log;
    private final AgentRunLauncher launcher;
    private final BudgetMetrics metrics;

    public BudgetEnforcer(BudgetRepository budgets, InteractionRepository interactions, InteractionLog log,
                          AgentRunLauncher launcher, BudgetMetrics metrics) {
        this.budgets = budgets;
        this.interactions = interactions;
        this.log = log;
        this.launcher = launcher;
        this.metrics = metrics;
    }

    /** Ends every running interaction of the tenant; needs a Vert.x context (stopping a run does). */
    public Uni<Void> stopRunning(String tenantId, BudgetKind kind, String reason) {
        return budgets.runningInteractions(tenantId).chain(ids -> Multi.createFrom().iterable(ids)
                .onItem().transformToUniAndConcatenate(id -> stop(tenantId, kind, id, reason)
                        .onFailure().invoke(e -> LOG.warnf("stopping interaction %s over budget: %s", id,
                                e.getMessage()))
                        .onFailure().recoverWithNull())
                .collect().last().replaceWithVoid());
    }

    private Uni<Void> stop(String tenantId, BudgetKind kind, String id, String reason) {
        JsonArray errors = new JsonArray().add(InteractionViews.error(InteractionStatus.BUDGET_EXCEEDED.wire(), reason
                + "; the tenant's budget policy stops running work"));
        return interactions.find(id).chain(found -> found.isEmpty() ? Uni.createFrom().voidItem()
                : log.transition(id, InteractionStatus.BUDGET_EXCEEDED, errors).chain(moved -> {
                    if (!moved) {
                        return Uni.createFrom().voidItem();
                    }
                    metrics.stopped(tenantId, kind);
                    LOG.infof("interaction %s stopped: %s", id, reason);
                    return found.get().isAgent() ? launcher.stop(found.get()) : Uni.createFrom().voidItem();
                }));
    }
}
