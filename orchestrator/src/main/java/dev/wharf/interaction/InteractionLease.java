package dev.wharf.interaction;

import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Work the control plane drives itself (a model call, launching an agent run) is owned through a lease on the
 * interaction row. The owner renews it every third of {@code wharf.interactions.lease} while it works; when
 * the owner dies the lease lapses and the watchdog fails the interaction instead of leaving it in progress.
 */
@ApplicationScoped
public class InteractionLease {
    private static final Logger LOG = Logger.getLogger(InteractionLease.class);
    private final InteractionRepository repository;
    private final InteractionConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    public InteractionLease(InteractionRepository repository, InteractionConfig config, Vertx vertx, Clock clock) {
        this.repository = repository;
        this.config = config;
        this.vertx = vertx;
        this.clock = clock;
    }

    /** Starts renewing; run the returned action when the work ends. */
    public Runnable hold(String interactionId) {
        held.add(interactionId);
        long timer = vertx.setPeriodic(config.lease().toMillis() / 3, tick ->
                repository.extendLease(interactionId, clock.instant().plus(config.lease()))
                        .subscribe().with(ok -> { }, failed -> LOG.debugf("lease of %s not renewed: %s",
                                interactionId, failed.getMessage())));
        return () -> {
            vertx.cancelTimer(timer);
            held.remove(interactionId);
        };
    }

    /**
     * Whether this process is still working on the interaction. A lease can lapse in the database while its
     * owner lives (a renewal that found the database too busy); such work has an owner and is not an orphan.
     */
    public boolean heldHere(String interactionId) {
        return held.contains(interactionId);
    }
}
