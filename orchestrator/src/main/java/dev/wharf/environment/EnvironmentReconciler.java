package dev.wharf.environment;

import dev.wharf.platform.BlockingCalls;
import dev.wharf.sandbox.SandboxMetrics;
import dev.wharf.sandbox.SandboxProvider;
import dev.wharf.sandbox.SandboxState;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Housekeeping on a fixed cadence, from the first moment after start: idle environments expire, files past
 * retention are purged, interrupted deletions finish, and Docker is reconciled against the database.
 * Deadlines live in the database, so nothing is lost when the control plane restarts.
 */
@ApplicationScoped
public class EnvironmentReconciler {
    private static final Logger LOG = Logger.getLogger(EnvironmentReconciler.class);

    private final EnvironmentRepository repository;
    private final EnvironmentService environments;
    private final SandboxProvider provider;
    private final BlockingCalls blocking;
    private final EnvironmentConfig config;
    private final SandboxMetrics metrics;
    private final EnvironmentLifetimes lifetimes;
    private final Clock clock;

    public EnvironmentReconciler(EnvironmentRepository repository, EnvironmentService environments,
                                 SandboxProvider provider, BlockingCalls blocking, EnvironmentConfig config,
                                 SandboxMetrics metrics, EnvironmentLifetimes lifetimes, Clock clock) {
        this.repository = repository;
        this.environments = environments;
        this.provider = provider;
        this.blocking = blocking;
        this.config = config;
        this.metrics = metrics;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    @Scheduled(identity = "environment-reconciler", every = "${wharf.environment.reconcile-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> run() {
        return reconcileOnce()
                .onFailure().invoke(e -> LOG.warnf("reconciliation pass failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** One full pass; public so tests and startup can run it on demand. */
    public Uni<Void> reconcileOnce() {
        return expireIdle()
                .chain(this::purgeRetained)
                .chain(this::finishDeletions)
                .chain(this::reconcileRuntime)
                .chain(this::publishCounts);
    }

    /**
     * Expires active environments whose expiry passed: idle for their idle TTL, or at the end of their sandbox's
     * maximum lifetime. An environment an interaction is running in is not idle: its deadline is pushed out instead,
     * but never past its lifetime, which ends it even in use.
     */
    private Uni<Void> expireIdle() {
        Instant now = clock.instant();
        return Panache.withSession(() -> repository.idlePast(now)).chain(envs -> each(envs, env ->
                lifetimes.of(env.id).chain(lifetime -> lifetime.inUse() && !lifetime.outlived(now)
                        ? Panache.withTransaction(() -> repository.touch(env.id, now, lifetime.expiresAt(now)))
                        : expire(env, now, lifetime.outlived(now) ? "reached its maximum lifetime of "
                                + lifetime.maxLifetime() : "was idle for " + lifetime.idleTtl()))));
    }

    private Uni<Void> expire(Environment env, Instant now, String why) {
        Instant purgeAt = now.plus(config.filesRetention());
        return Panache.withTransaction(() -> repository.markExpired(env.id, now, purgeAt))
                .chain(expired -> expired && env.containerId != null
                        ? blocking.run(() -> {
                            provider.remove(env.containerId);
                            LOG.infof("environment %s expired: it %s; files kept until %s at the latest", env.id, why,
                                    purgeAt);
                            return null;
                        })
                        : Uni.createFrom().nullItem())
                .replaceWithVoid();
    }

    private Uni<Void> purgeRetained() {
        Instant now = clock.instant();
        return Panache.withSession(() -> repository.retentionPast(now)).chain(envs -> each(envs, env ->
                Panache.withTransaction(() -> repository.markDeleting(env.id, now))
                        .chain(claimed -> claimed ? environments.removeEverything(env) : Uni.createFrom().voidItem())));
    }

    private Uni<Void> finishDeletions() {
        return Panache.withSession(() -> repository.inStatus(EnvironmentStatus.DELETING))
                .chain(envs -> each(envs, environments::removeEverything));
    }

    private Uni<Void> reconcileRuntime() {
        return blocking.run(() -> {
            Instant seenAt = clock.instant();
            List<SandboxState> containers = provider.list();
            List<String> volumes = provider.listWorkspaces();
            return new RuntimeSnapshot(seenAt, containers, volumes);
        }).chain(snapshot -> Panache.withSession(() -> repository.list("status in (?1)",
                        List.of(EnvironmentStatus.ACTIVE, EnvironmentStatus.PROVISIONING))
                .chain(live -> knownVolumes(snapshot.volumes()).map(known -> ReconciliationPlan.of(
                        snapshot.containers(), snapshot.seenAt(), snapshot.volumes(), live, known,
                        clock.instant(), config.provisioningAbandonedAfter()))))
                .invoke(plan -> metrics.runningContainers(
                        snapshot.containers().stream().filter(SandboxState::running).count())))
                .chain(this::apply);
    }

    private record RuntimeSnapshot(Instant seenAt, List<SandboxState> containers, List<String> volumes) {
    }

    private Uni<java.util.Set<String>> knownVolumes(List<String> volumes) {
        if (volumes.isEmpty()) {
            return Uni.createFrom().item(java.util.Set.of());
        }
        return repository.list("volumeName in (?1)", volumes)
                .map(envs -> new HashSet<>(envs.stream().map(env -> env.volumeName).toList()));
    }

    private Uni<Void> apply(ReconciliationPlan plan) {
        Uni<Void> stopped = each(plan.stopped(), stop ->
                environments.markStopped(stop.environmentId(), stop.containerId(), stop.failure()));
        return stopped.chain(() -> blocking.run(() -> {
            for (String container : plan.orphanContainers()) {
                LOG.infof("removing orphan sandbox container %s", container);
                provider.remove(container);
                metrics.orphanRemoved("container");
            }
            for (String volume : plan.orphanVolumes()) {
                LOG.infof("removing orphan workspace volume %s", volume);
                provider.removeWorkspace(volume);
                metrics.orphanRemoved("volume");
            }
            return null;
        })).replaceWithVoid();
    }

    private Uni<Void> publishCounts() {
        return Panache.withSession(repository::countByStatus).invoke(rows -> {
            Map<String, Long> counts = new HashMap<>();
            for (Object[] row : rows) {
                counts.put(((EnvironmentStatus) row[0]).wire(), (Long) row[1]);
            }
            metrics.environmentCounts(counts,
                    Arrays.stream(EnvironmentStatus.values()).map(EnvironmentStatus::wire).toList());
        }).replaceWithVoid();
    }

    /** Applies {@code step} to each item in turn; one item's failure is logged and does not stop the others. */
    private static <T> Uni<Void> each(List<T> items, Function<T, Uni<?>> step) {
        return Multi.createFrom().iterable(items)
                .onItem().transformToUniAndConcatenate(item -> step.apply(item)
                        .onFailure().invoke(e -> LOG.warnf("reconciling %s: %s", item, e.getMessage()))
                        .onFailure().recoverWithNull())
                .collect().last()
                .replaceWithVoid();
    }
}
