package dev.wharf.interaction;

import dev.wharf.lifecycle.InteractionEnded;
import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.metering.SandboxMeter;
import dev.wharf.platform.DatabaseBusy;
import dev.wharf.webhook.WebhookDispatcher;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.eventbus.EventBus;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The only writer of interaction event logs. Each append commits, then wakes the streams following that
 * interaction in this process (other planes hear of it through the database's notification), so a subscriber never
 * sees an event that could still roll back.
 * A terminal move writes, in its own transaction, the run's sandbox time to the usage ledger (handing the sandboxes
 * back to their environments) and the webhook deliveries the end raises (an outbox: a crash after the commit loses
 * none, they are sent at once and retried by any plane's poller). After the commit it fires {@link InteractionEnded}
 * asynchronously, for observers that only react (metering signals), never delaying or failing the transition.
 */
@ApplicationScoped
public class InteractionLog {
    private static final Logger LOG = Logger.getLogger(InteractionLog.class);
    static final String ADDRESS_PREFIX = "wharf.interaction.";
    private static final java.time.Duration BUSY_BACKOFF = java.time.Duration.ofMillis(250);
    private static final int BUSY_RETRIES = 4;

    private final InteractionRepository repository;
    private final EventBus bus;
    private final Clock clock;
    private final Event<InteractionEnded> ended;
    private final SandboxMeter meter;
    private final WebhookDispatcher webhooks;

    private final InteractionViews views;

    public InteractionLog(InteractionRepository repository, EventBus bus, Clock clock, Event<InteractionEnded> ended,
                          SandboxMeter meter, InteractionViews views, WebhookDispatcher webhooks) {
        this.webhooks = webhooks;
        this.repository = repository;
        this.views = views;
        this.bus = bus;
        this.clock = clock;
        this.ended = ended;
        this.meter = meter;
    }

    /** Appends a whole step (start and stop) at {@code index}. */
    public Uni<Void> step(String id, int index, JsonObject step) {
        return durably(repository.inTransaction(tx -> wholeStep(tx, id, index, step)))
                .invoke(() -> wake(id)).replaceWithVoid();
    }

    private Uni<Void> wholeStep(SqlClient tx, String id, int index, JsonObject step) {
        return repository.append(tx, id, InteractionEvent.STEP_START,
                        new JsonObject().put("index", index).put("step", step))
                .chain(() -> repository.append(tx, id, InteractionEvent.STEP_STOP,
                        new JsonObject().put("index", index).put("step", step)))
                .replaceWithVoid();
    }

    /**
     * Appends the input steps of a new interaction, each whole, inside the caller's transaction (the create's);
     * {@link #wake} once it committed.
     */
    public Uni<Void> inputSteps(SqlClient tx, String id, List<JsonObject> steps) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int i = 0; i < steps.size(); i++) {
            int index = i;
            chain = chain.chain(() -> wholeStep(tx, id, index, steps.get(index)));
        }
        return chain;
    }

    /** Tells this process's streams of {@code id} that something committed (other planes hear it from the database). */
    public void wake(String id) {
        bus.publish(ADDRESS_PREFIX + id, id);
    }

    public Uni<Void> startStep(String id, int index, JsonObject step) {
        return append(id, InteractionEvent.STEP_START, new JsonObject().put("index", index).put("step", step));
    }

    public Uni<Void> delta(String id, int index, JsonObject delta) {
        return append(id, InteractionEvent.STEP_DELTA, new JsonObject().put("index", index).put("delta", delta));
    }

    public Uni<Void> stopStep(String id, int index, JsonObject finished) {
        return append(id, InteractionEvent.STEP_STOP, new JsonObject().put("index", index).put("step", finished));
    }

    public Uni<Void> created(String id, JsonObject interaction) {
        return append(id, InteractionEvent.CREATED, new JsonObject().put("interaction", interaction));
    }

    /**
     * Moves the interaction to {@code to} and logs it, atomically. For a terminal status the log is closed with
     * {@code interaction.completed} carrying the final object, read inside the same transaction (through its
     * connection: a transaction never asks the pool for a second one). Returns false (and logs nothing) when the
     * interaction had already moved on.
     */
    public Uni<Boolean> transition(String id, InteractionStatus to, JsonArray errors) {
        AtomicReference<Interaction> finalRow = new AtomicReference<>();
        AtomicReference<WebhookDispatcher.Claimed> deliveries = new AtomicReference<>(WebhookDispatcher.Claimed.NONE);
        return durably(repository.inTransaction(tx -> repository.transition(tx, id, to, clock.instant(), errors)
                        .chain(moved -> {
                            if (!moved) {
                                return Uni.createFrom().item(false);
                            }
                            Uni<InteractionEvent> status = repository.append(tx, id, InteractionEvent.STATUS_UPDATE,
                                    new JsonObject().put("interaction_id", id).put("status", to.wire()));
                            if (!to.terminal()) {
                                return status.replaceWith(true);
                            }
                            // The sandbox time the run used is written in the same transaction that ends it.
                            return status.chain(() -> meter.detach(tx, id))
                                    .chain(() -> errorEvent(tx, id, to, errors))
                                    .chain(() -> completedEvent(tx, id, finalRow))
                                    // The webhooks it raises are written with it (an outbox), sent after the commit.
                                    .chain(() -> finalRow.get() == null ? Uni.createFrom().voidItem()
                                            : webhooks.enqueueInteractionEnd(tx, new WebhookDispatcher.InteractionEnd(
                                                    finalRow.get().tenantId(), id, to.wire(),
                                                    finalRow.get().request())).invoke(deliveries::set)
                                            .replaceWithVoid())
                                    .replaceWith(true);
                        })))
                .invoke(moved -> {
                    if (moved) {
                        wake(id);
                        if (to.terminal()) {
                            webhooks.send(deliveries.get());
                            announceEnd(id, to, finalRow.get());
                        }
                    }
                });
    }

    /**
     * A transition by the owner of the work, recording how it ended. A database too busy even for the short
     * retries of every write is waited out for up to {@code patience} (the owner keeps its lease meanwhile), so an
     * interaction ends with the reason it really ended for, not later as an orphan with a guessed one.
     */
    public Uni<Boolean> end(String id, InteractionStatus to, JsonArray errors, java.time.Duration patience) {
        return transition(id, to, errors).onFailure(DatabaseBusy::is).retry()
                .withBackOff(BUSY_BACKOFF.multipliedBy(4), BUSY_BACKOFF.multipliedBy(20)).expireIn(patience.toMillis());
    }

    private Uni<Void> errorEvent(io.vertx.mutiny.sqlclient.SqlClient tx, String id, InteractionStatus to,
                                 JsonArray errors) {
        if (to != InteractionStatus.FAILED || errors == null || errors.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return repository.append(tx, id, InteractionEvent.ERROR,
                new JsonObject().put("error", errors.getJsonObject(errors.size() - 1).copy())).replaceWithVoid();
    }

    private Uni<Void> completedEvent(io.vertx.mutiny.sqlclient.SqlClient tx, String id,
                                     AtomicReference<Interaction> finalRow) {
        return repository.find(tx, id)
                .invoke(row -> row.ifPresent(finalRow::set))
                .chain(row -> row.map(found -> views.full(tx, found)).orElse(Uni.createFrom().item(new JsonObject().put("id", id))))
                .chain(view -> repository.append(tx, id, InteractionEvent.COMPLETED,
                        new JsonObject().put("interaction", view)))
                .replaceWithVoid();
    }

    public Uni<List<InteractionEvent>> read(String id, long afterSeq, int limit) {
        return repository.events(id, afterSeq, limit);
    }

    private Uni<Void> append(String id, String type, JsonObject payload) {
        return durably(repository.inTransaction(tx -> repository.append(tx, id, type, payload)))
                .invoke(() -> wake(id)).replaceWithVoid();
    }

    /**
     * A busy database (no connection within the acquire timeout) refuses a transaction before it ran, so trying
     * it again is safe; the log's writes are retried a few times rather than losing a step or an interaction's end.
     */
    private static <T> Uni<T> durably(Uni<T> write) {
        return write.onFailure(DatabaseBusy::is).retry().withBackOff(BUSY_BACKOFF, BUSY_BACKOFF.multipliedBy(8))
                .atMost(BUSY_RETRIES);
    }

    /** Runs after the commit; an observer's failure is logged, never propagated into the transition. */
    private void announceEnd(String id, InteractionStatus to, Interaction row) {
        if (row == null) {
            return; // deleted in the meantime: nobody is left to tell
        }
        ended.fireAsync(new InteractionEnded(id, row.tenantId(), to, row.request()))
                .exceptionally(e -> {
                    LOG.warnf("interaction %s: an observer of its end failed: %s", id, e.getMessage());
                    return null;
                });
    }
}
