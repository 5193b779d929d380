package dev.wharf.tenancy;

import dev.wharf.agent.AgentService;
import dev.wharf.budget.BudgetService;
import dev.wharf.credential.CredentialService;
import dev.wharf.environment.EnvironmentService;
import dev.wharf.interaction.InteractionService;
import dev.wharf.platform.SafeContext;
import dev.wharf.tenant.TenantService;
import dev.wharf.webhook.WebhookService;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Deleting a tenant with everything it owns, through each owner's own delete path:
 * <ol>
 *   <li>the tenant leaves {@code active} and its keys are revoked, in one committed transaction: from here its
 *   requests are refused (401) and the capacity queue admits none of its waiting work;</li>
 *   <li>its unfinished interactions end {@code cancelled}, agent runs told to stop in their sandboxes, as cancel
 *   does;</li>
 *   <li>its environments are deleted (container, workspace volume, row), as the retention purge deletes them; the
 *   containers' last seconds reach the usage ledger on the way, as for any removed sandbox;</li>
 *   <li>its agents, webhooks (with their delivery attempts, so nothing more is sent), credentials, interactions
 *   (with their logs) and budget are deleted;</li>
 *   <li>the tenant becomes {@code deleted}.</li>
 * </ol>
 * Its usage ledger rows, monthly sums and budget alerts stay, for billing, until its retention purges them; the
 * tenant row stays as their tombstone. Every step is idempotent, so a crash between them leaves the tenant
 * {@code deleting}, and the sweep ({@code wharf.tenancy.deletion-sweep-interval}) or deleting it again finishes.
 */
@ApplicationScoped
public class TenantDeletion {
    private static final Logger LOG = Logger.getLogger(TenantDeletion.class);

    private final TenantService tenants;
    private final InteractionService interactions;
    private final EnvironmentService environments;
    private final AgentService agents;
    private final WebhookService webhooks;
    private final CredentialService credentials;
    private final BudgetService budgets;
    private final TenantDeletionRepository repository;
    private final TenancyConfig config;

    public TenantDeletion(TenantService tenants, InteractionService interactions, EnvironmentService environments,
                          AgentService agents, WebhookService webhooks, CredentialService credentials,
                          BudgetService budgets, TenantDeletionRepository repository, TenancyConfig config) {
        this.tenants = tenants;
        this.interactions = interactions;
        this.environments = environments;
        this.agents = agents;
        this.webhooks = webhooks;
        this.credentials = credentials;
        this.budgets = budgets;
        this.repository = repository;
        this.config = config;
    }

    /** Deletes the tenant and answers when everything it owned is gone; 404 when it is unknown or deleted. */
    public Uni<Void> delete(String tenantId) {
        return tenants.beginDeletion(tenantId).chain(() -> cleanUp(tenantId))
                .invoke(() -> LOG.infof("tenant %s deleted", tenantId));
    }

    /** Steps 2 to 5; safe to repeat, and safe to run for a tenant already deleted (step 5 then changes nothing). */
    Uni<Void> cleanUp(String tenantId) {
        // Work is cancelled before its sandboxes go, so no run is left to fail on a vanished container.
        return interactions.cancelAllOf(tenantId)
                .chain(cancelled -> environments.purgeAllOf(tenantId)
                        .invoke(removed -> LOG.debugf("tenant %s: %d interactions cancelled, %d environments deleted",
                                tenantId, cancelled, removed)))
                .chain(() -> agents.deleteAllOf(tenantId))
                .chain(() -> webhooks.deleteAllOf(tenantId))
                .chain(() -> credentials.deleteAllOf(tenantId))
                .chain(() -> interactions.deleteAllOf(tenantId))
                .chain(() -> budgets.deleteOf(tenantId))
                .chain(() -> tenants.finishDeletion(tenantId))
                .replaceWithVoid();
    }

    @Scheduled(identity = "tenant-deletion-sweep", every = "${wharf.tenancy.deletion-sweep-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return SafeContext.run(this::sweepOnce)
                .onFailure().invoke(e -> LOG.warnf("tenant deletion sweep failed: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Finishes what deletions left: public so tests (and operators' tooling) can run it on demand. */
    public Uni<Integer> sweepOnce() {
        return repository.unfinished(Math.max(1, config.deletionSweepBatch())).chain(ids -> ids.isEmpty()
                ? Uni.createFrom().item(0)
                : Multi.createFrom().iterable(ids)
                        .onItem().transformToUniAndConcatenate(id -> cleanUp(id)
                                .invoke(() -> LOG.infof("tenant %s: unfinished deletion finished", id))
                                .onFailure().invoke(e -> LOG.warnf("finishing the deletion of tenant %s: %s", id,
                                        e.getMessage()))
                                .onFailure().recoverWithNull())
                        .collect().asList().map(done -> ids.size()));
    }
}
