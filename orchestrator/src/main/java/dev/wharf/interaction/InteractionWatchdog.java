package dev.wharf.interaction;

import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import dev.wharf.environment.Environment;
import dev.wharf.environment.EnvironmentService;
import dev.wharf.environment.EnvironmentStatus;
import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.platform.SafeContext;
import dev.wharf.sandbox.SandboxDaemonClient;
import dev.wharf.sandbox.SandboxUnreachableException;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Makes sure no interaction stays in progress without an owner: it enforces persisted deadlines (ending the
 * interaction {@code incomplete} and stopping its run), fails work whose control-plane owner stopped renewing its
 * lease (a crash or restart), and fails agent runs whose sandbox died or forgot them. Runs from start-up on.
 */
@ApplicationScoped
public class InteractionWatchdog {
    private static final Logger LOG = Logger.getLogger(InteractionWatchdog.class);
    static final String CONTROL_PLANE_RESTARTED = "control_plane_restarted";

    private final InteractionRepository repository;
    private final InteractionLog log;
    private final AgentRunLauncher launcher;
    private final EnvironmentService environments;
    private final SandboxDaemonClient daemon;
    private final Clock clock;
    private final InteractionLease lease;

    public InteractionWatchdog(InteractionRepository repository, InteractionLog log, InteractionLease lease,
                               AgentRunLauncher launcher, EnvironmentService environments, SandboxDaemonClient daemon,
                               Clock clock) {
        this.lease = lease;
        this.repository = repository;
        this.log = log;
        this.launcher = launcher;
        this.environments = environments;
        this.daemon = daemon;
        this.clock = clock;
    }

    @Scheduled(identity = "interaction-watchdog", every = "${wharf.interactions.watchdog-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> run() {
        return SafeContext.run(this::checkOnce)
                .onFailure().invoke(e -> LOG.warnf("interaction watchdog pass failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    public Uni<Void> checkOnce() {
        Instant now = clock.instant();
        return repository.pastDeadline(now).chain(due -> each(due, this::expire))
                .chain(() -> repository.orphaned(now)).chain(orphans -> each(orphans, this::orphan))
                .chain(repository::runningAgents).chain(running -> each(running, this::checkRun));
    }

    private Uni<Void> expire(Interaction row) {
        // The deadline is the timeout counted from admission, or earlier the end of the environment's lifetime
        // (see AgentRunLauncher).
        Instant started = row.admittedAt() != null ? row.admittedAt() : row.createdAt();
        long seconds = java.time.Duration.between(started, row.deadlineAt()).toSeconds();
        JsonArray errors = new JsonArray().add(InteractionViews.error(InteractionFailures.DEADLINE_EXCEEDED,
                "the interaction reached its deadline, " + seconds + " s after it "
                        + (row.admittedAt() != null ? "started" : "was created") + "; work done so far is kept"));
        return log.transition(row.id(), InteractionStatus.INCOMPLETE, errors)
                .chain(moved -> moved && row.isAgent() ? launcher.stop(row) : Uni.createFrom().voidItem());
    }

    private Uni<Void> orphan(Interaction row) {
        if (lease.heldHere(row.id())) {
            return Uni.createFrom().voidItem(); // its owner is this process, alive; a renewal did not get through
        }
        JsonArray errors = new JsonArray().add(InteractionViews.error(CONTROL_PLANE_RESTARTED,
                "the control plane stopped while this interaction was being started or run; submit it again"));
        return log.transition(row.id(), InteractionStatus.FAILED, errors).replaceWithVoid();
    }

    /** An agent run must still be running in its sandbox; otherwise the interaction is failed with the reason. */
    private Uni<Void> checkRun(Interaction row) {
        if (row.environmentId() == null) {
            return Uni.createFrom().voidItem();
        }
        return environments.get(row.tenantId(), row.environmentId())
                .chain(env -> env.status != EnvironmentStatus.ACTIVE && env.failureMessage != null
                        // The sandbox failed (it died, or stopped answering): the run cannot report any more.
                        ? fail(row, InteractionFailures.SANDBOX_ERROR, "the sandbox stopped ("
                                + env.failureReason + "): " + env.failureMessage)
                        : checkRunInSandbox(row, env));
    }

    private Uni<Void> checkRunInSandbox(Interaction row, Environment env) {
        return daemon.runStatus(env.sandboxAddress, env.sandboxToken, row.id())
                .chain(status -> "running".equals(status.getString("status")) ? Uni.createFrom().voidItem()
                        : fail(row, InteractionFailures.SANDBOX_ERROR,
                                "the agent run ended without reporting its result"))
                .onFailure(SandboxUnreachableException.class).recoverWithUni(unreachable ->
                        environments.diagnose(row.environmentId()).chain(failure -> failure.isEmpty()
                                ? Uni.createFrom().voidItem()
                                : fail(row, InteractionFailures.SANDBOX_ERROR, "the sandbox stopped: "
                                        + failure.get().message())))
                .onFailure(ApiException.class).recoverWithUni(error -> ((ApiException) error).status()
                        == ApiStatus.NOT_FOUND
                        ? fail(row, InteractionFailures.SANDBOX_ERROR,
                                "the sandbox no longer knows this run (it was restarted or the environment is gone)")
                        : Uni.createFrom().voidItem());
    }

    private Uni<Void> fail(Interaction row, String code, String message) {
        return log.transition(row.id(), InteractionStatus.FAILED,
                new JsonArray().add(InteractionViews.error(code, message))).replaceWithVoid();
    }

    private static <T> Uni<Void> each(List<T> items, Function<T, Uni<Void>> step) {
        return Multi.createFrom().iterable(items)
                .onItem().transformToUniAndConcatenate(item -> step.apply(item)
                        .onFailure().invoke(e -> LOG.warnf("watchdog: %s", e.getMessage()))
                        .onFailure().recoverWithNull())
                .collect().last().replaceWithVoid();
    }
}
