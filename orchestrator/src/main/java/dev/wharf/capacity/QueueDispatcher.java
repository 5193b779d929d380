package dev.wharf.capacity;

import dev.wharf.lifecycle.InteractionEnded;
import dev.wharf.platform.SafeContext;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Admits waiting agent interactions as sandbox slots allow, and starts them. A pass takes the capacity lock,
 * counts the slots in use, lets {@link AdmissionPolicy} choose, and claims the chosen rows in the same
 * transaction; only after the commit are they started, through the same path a fresh create used to take. So two
 * control planes never admit the same interaction nor together exceed capacity, and whatever is queued when a
 * control plane stops is admitted by the next pass anywhere.
 * <p>
 * Passes run on a nudge (an agent interaction was enqueued or ended here, or this control plane started) and on a
 * poll ({@code wharf.capacity.poll-interval}), which notices slots freed by standalone environments and by other
 * control planes. Nudges during a pass are folded into one more pass.
 */
@ApplicationScoped
public class QueueDispatcher {
    private static final Logger LOG = Logger.getLogger(QueueDispatcher.class);

    private final QueueRepository repository;
    private final AdmittedWork interactions;
    private final CapacityConfig config;
    private final CapacityMetrics metrics;
    private final Clock clock;
    private final Vertx vertx;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile Context context;

    public QueueDispatcher(QueueRepository repository, AdmittedWork interactions, CapacityConfig config,
                           CapacityMetrics metrics, Clock clock, Vertx vertx) {
        this.repository = repository;
        this.interactions = interactions;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.vertx = vertx;
    }

    /** Work left queued by a previous run of the control plane is admitted from the start. */
    void onStart(@Observes StartupEvent event) {
        // Called on the main thread, so this is an event-loop context of the dispatcher's own, not a request's.
        context = vertx.getOrCreateContext();
        nudge();
    }

    /** An agent interaction that ended here freed its slot. */
    void onInteractionEnded(@ObservesAsync InteractionEnded ended) {
        if (ended.request() == null || ended.request().getValue("agent") != null) {
            nudge();
        }
    }

    @Scheduled(identity = "capacity-dispatcher", every = "${wharf.capacity.poll-interval}")
    void poll() {
        nudge();
    }

    /** Works the queue soon; a nudge during a pass makes one more pass. Never blocks. */
    public void nudge() {
        if (!running.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        context().runOnContext(ignored -> {
            again.set(false);
            SafeContext.run(this::admitOnce).subscribe().with(
                    admitted -> settle(!admitted.isEmpty()),
                    failure -> {
                        LOG.warnf("capacity dispatcher pass failed: %s", failure.getMessage());
                        settle(false);
                    });
        });
    }

    /** After a pass that admitted something, look again: more may fit (work sharing a sandbox, say). */
    private void settle(boolean admittedAny) {
        running.set(false);
        if (again.getAndSet(false) || admittedAny) {
            nudge();
        }
    }

    /** One pass: admit what fits, then start it. */
    Uni<List<QueueRepository.Admitted>> admitOnce() {
        Instant now = clock.instant();
        return repository.inTransaction(tx -> repository.lock(tx)
                        .chain(() -> decide(tx, now))
                        .invoke(decision -> metrics.slotsInUse(decision.slotsInUse()))
                        .chain(decision -> claim(tx, decision, now))
                        .call(() -> repository.depthByTier(tx).invoke(metrics::depth)))
                .invoke(admitted -> admitted.forEach(this::start));
    }

    /** Counts the slots in use and chooses among the waiting work; the caller holds the capacity lock. */
    private Uni<AdmissionPolicy.Decision> decide(SqlClient tx, Instant now) {
        return repository.slotsInUse(tx).chain(slots -> repository.waiting(tx, Math.max(1, config.maxSandboxes()))
                .chain(waiting -> waiting.isEmpty()
                        ? Uni.createFrom().item(new AdmissionPolicy.Decision(List.of(), slots.size()))
                        : repository.quotas(tx, tenants(waiting)).map(quotas -> AdmissionPolicy.choose(
                                config.maxSandboxes(), config.flexHeadroom(), slots, waiting,
                                withDefaults(quotas, waiting), now))));
    }

    private Uni<List<QueueRepository.Admitted>> claim(SqlClient tx, AdmissionPolicy.Decision decision, Instant now) {
        if (decision.admitted().isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<String> ids = decision.admitted().stream().map(AdmissionPolicy.Candidate::id).toList();
        return repository.claim(tx, ids, now, now.plus(interactions.ownerLease()));
    }

    private void start(QueueRepository.Admitted admitted) {
        metrics.waited(admitted.tier(), Duration.between(admitted.enqueuedAt(), admitted.admittedAt()));
        LOG.debugf("admitted %s (%s)", admitted.id(), admitted.tier().wire());
        interactions.start(admitted.id()).subscribe().with(ok -> { },
                failure -> LOG.errorf(failure, "admitted interaction %s could not be started", admitted.id()));
    }

    private static Set<String> tenants(List<AdmissionPolicy.Candidate> waiting) {
        return waiting.stream().map(AdmissionPolicy.Candidate::tenantId).collect(Collectors.toSet());
    }

    /** A tenant without a limit of its own gets the platform's default share of the host. */
    private Map<String, AdmissionPolicy.Quota> withDefaults(Map<String, AdmissionPolicy.Quota> quotas,
                                                             List<AdmissionPolicy.Candidate> waiting) {
        Integer platformDefault = config.tenantShare();
        Map<String, AdmissionPolicy.Quota> resolved = new HashMap<>();
        for (String tenant : tenants(waiting)) {
            AdmissionPolicy.Quota own = quotas.getOrDefault(tenant, new AdmissionPolicy.Quota(null, null));
            resolved.put(tenant, new AdmissionPolicy.Quota(own.limit() != null ? own.limit() : platformDefault,
                    own.lastAdmitted()));
        }
        return resolved;
    }

    private Context context() {
        Context current = context;
        return current != null ? current : vertx.getOrCreateContext();
    }
}
