package dev.wharf.interaction;

import dev.wharf.platform.DatabaseBusy;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows an interaction's event log: replays what is stored after a given event id, then continues live until
 * the log is closed by {@code interaction.completed} (or {@code error} on a failed one). Appends in this process, and
 * on every other control plane (through {@link InteractionNotifications}), wake the follower at once; a slow poll
 * ({@code wharf.interactions.stream-poll}) covers a notification missed while the listening connection reconnected.
 */
@ApplicationScoped
public class InteractionStream {
    private static final int BATCH = 500;

    private final InteractionLog log;
    private final InteractionRepository repository;
    private final Vertx vertx;
    private final Duration poll;

    public InteractionStream(InteractionLog log, InteractionRepository repository, Vertx vertx,
                             InteractionConfig config) {
        this.log = log;
        this.repository = repository;
        this.vertx = vertx;
        this.poll = config.streamPoll();
    }

    public Multi<InteractionEvent> follow(String id, long afterSeq) {
        return Multi.createFrom().emitter(emitter -> new Follower(id, afterSeq, emitter).start());
    }

    private final class Follower {
        private final String id;
        private final MultiEmitter<? super InteractionEvent> emitter;
        private final AtomicLong last;
        private final AtomicBoolean fetching = new AtomicBoolean();
        private final AtomicBoolean again = new AtomicBoolean();
        private MessageConsumer<Object> consumer;
        private long timer = -1;

        Follower(String id, long afterSeq, MultiEmitter<? super InteractionEvent> emitter) {
            this.id = id;
            this.last = new AtomicLong(afterSeq);
            this.emitter = emitter;
        }

        void start() {
            consumer = vertx.eventBus().consumer(InteractionLog.ADDRESS_PREFIX + id, message -> pump());
            timer = vertx.setPeriodic(poll.toMillis(), tick -> pump());
            emitter.onTermination(this::stop);
            pump();
        }

        private void stop() {
            if (consumer != null) {
                consumer.unregister();
            }
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }

        private void pump() {
            if (emitter.isCancelled()) {
                return;
            }
            if (!fetching.compareAndSet(false, true)) {
                again.set(true);
                return;
            }
            log.read(id, last.get(), BATCH).subscribe().with(this::deliver, this::failed);
        }

        private void deliver(List<InteractionEvent> events) {
            for (InteractionEvent event : events) {
                last.set(event.seq());
                emitter.emit(event);
                if (InteractionEvent.COMPLETED.equals(event.type())) {
                    fetching.set(false);
                    emitter.complete();
                    return;
                }
            }
            if (events.isEmpty()) {
                finishIfClosed();
                return;
            }
            fetching.set(false);
            if (events.size() == BATCH || again.getAndSet(false)) {
                pump();
            }
        }

        /** Nothing new: a deleted interaction, or one whose log was closed before {@code afterSeq}, ends here. */
        private void finishIfClosed() {
            repository.find(id).subscribe().with(row -> {
                fetching.set(false);
                if (row.isEmpty() || (row.get().status().terminal() && row.get().lastEventSeq() <= last.get())) {
                    emitter.complete();
                } else if (again.getAndSet(false)) {
                    pump();
                }
            }, this::failed);
        }

        /** A busy database is waited out (the next poll tries again); anything else ends the stream. */
        private void failed(Throwable failure) {
            fetching.set(false);
            if (!DatabaseBusy.is(failure)) {
                emitter.fail(failure);
            }
        }
    }
}
