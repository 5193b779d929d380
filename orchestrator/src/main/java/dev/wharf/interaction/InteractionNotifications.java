package dev.wharf.interaction;

import dev.wharf.platform.DatabasePools;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Hears of every event appended to any interaction's log, by any control plane: the database notifies channel
 * {@value #CHANNEL} with the interaction id when an append commits (a trigger, V16), and this plane's one listening
 * connection wakes the stream followers of that interaction here. The connection reconnects by itself (every
 * second); what it missed meanwhile, the followers' slow poll picks up.
 */
@ApplicationScoped
public class InteractionNotifications {
    private static final Logger LOG = Logger.getLogger(InteractionNotifications.class);
    static final String CHANNEL = "wharf_interaction_events";
    private static final long RECONNECT_MILLIS = 1000;

    private final Vertx vertx;
    private final DatabasePools pools;
    private volatile PgSubscriber subscriber;
    private volatile boolean stopping;

    public InteractionNotifications(Vertx vertx, DatabasePools pools) {
        this.vertx = vertx;
        this.pools = pools;
    }

    void start(@Observes StartupEvent event) {
        PgSubscriber listening = PgSubscriber.subscriber(vertx, pools.connectOptions())
                .reconnectPolicy(retries -> RECONNECT_MILLIS);
        listening.channel(CHANNEL)
                .handler(id -> vertx.eventBus().publish(InteractionLog.ADDRESS_PREFIX + id, id))
                .subscribeHandler(ignored -> LOG.debugf("listening on %s", CHANNEL));
        listening.closeHandler(ignored -> {
            if (!stopping) {
                LOG.warn("interaction notifications: the listening connection closed for good; streams poll");
            }
        });
        listening.connect().onFailure(e -> LOG.warnf("interaction notifications not connected yet (%s);"
                + " streams fall back to polling until they are", e.getMessage()));
        subscriber = listening;
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        PgSubscriber listening = subscriber;
        if (listening != null) {
            listening.close();
        }
    }
}
