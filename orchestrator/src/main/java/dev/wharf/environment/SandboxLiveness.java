package dev.wharf.environment;

import dev.wharf.sandbox.SandboxDaemonClient;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Health checks for every active sandbox. A container can keep running while its daemon cannot answer (stopped
 * with SIGSTOP, starved, wedged); the engine still calls it running, so only asking the daemon finds it. One that
 * misses every check for {@code wharf.environment.liveness-timeout} fails as {@code unresponsive} (see
 * {@link EnvironmentService#markUnresponsive}); the interaction watchdog then fails the work that ran on it.
 *
 * <p>The silence is counted in memory from the first missed check, so it restarts with the control plane: at worst
 * a restart delays the verdict by one timeout. Several control planes each check every sandbox; the environment's
 * conditional transition lets exactly one of them record it.
 */
@ApplicationScoped
public class SandboxLiveness {
    private static final Logger LOG = Logger.getLogger(SandboxLiveness.class);
    /** Checks in flight at once; each waits at most the probe timeout. */
    static final int CONCURRENT_CHECKS = 16;

    private final EnvironmentRepository repository;
    private final EnvironmentService environments;
    private final SandboxDaemonClient daemon;
    private final EnvironmentConfig config;
    private final Clock clock;
    private final ConcurrentMap<String, Instant> silentSince = new ConcurrentHashMap<>();

    public SandboxLiveness(EnvironmentRepository repository, EnvironmentService environments,
                           SandboxDaemonClient daemon, EnvironmentConfig config, Clock clock) {
        this.repository = repository;
        this.environments = environments;
        this.daemon = daemon;
        this.config = config;
        this.clock = clock;
    }

    @Scheduled(identity = "sandbox-liveness", every = "${wharf.environment.liveness-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> run() {
        return checkOnce()
                .onFailure().invoke(e -> LOG.warnf("sandbox health checks failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** One round of checks; public so tests can run it on demand. */
    public Uni<Void> checkOnce() {
        return Panache.withSession(() -> repository.inStatus(EnvironmentStatus.ACTIVE)).chain(active -> {
            Set<String> ids = active.stream().map(env -> env.id).collect(Collectors.toSet());
            silentSince.keySet().retainAll(ids);
            return Multi.createFrom().iterable(active)
                    .onItem().transformToUni(this::check).merge(CONCURRENT_CHECKS)
                    .collect().last().replaceWithVoid();
        });
    }

    private Uni<Void> check(Environment env) {
        if (env.sandboxAddress == null) {
            return Uni.createFrom().voidItem();
        }
        return daemon.health(env.sandboxAddress, config.livenessProbeTimeout())
                .invoke(() -> silentSince.remove(env.id))
                .onFailure().recoverWithUni(missed -> {
                    Instant now = clock.instant();
                    Instant since = silentSince.computeIfAbsent(env.id, id -> now);
                    Duration silence = Duration.between(since, now);
                    if (silence.compareTo(config.livenessTimeout()) < 0) {
                        LOG.debugf("environment %s missed a health check (%s)", env.id, missed.getMessage());
                        return Uni.createFrom().voidItem();
                    }
                    silentSince.remove(env.id);
                    return environments.markUnresponsive(env, silence);
                })
                .onFailure().invoke(e -> LOG.warnf("health check of environment %s: %s", env.id, e.getMessage()))
                .onFailure().recoverWithNull();
    }
}
