package dev.wharf.metering;

import dev.wharf.lifecycle.InteractionEnded;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Meters sandbox running time. A container's interval opens when the engine reports it started and closes when
 * it stops; between the two, time is written to the ledger whenever the interval changes hands (an agent run
 * starts using the sandbox, or its interaction ends) and at every checkpoint. Each write happens under the
 * interval's row lock and moves {@code metered_until} forward in the same transaction, so every second is
 * written exactly once, whichever control plane gets there.
 *
 * <p>Times are the database's clock, except a container's end, which is the engine's record of when it stopped
 * (where the engine still knows), bounded to the interval's unmetered stretch.
 */
@ApplicationScoped
public class SandboxMeter {
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

    private final UsageLedger ledger;
    private final PriceBook prices;
    private final UsageSignals signals;
    /** Records written by {@link #detach} inside a transaction not known to have committed yet, by interaction. */
    private final Map<String, List<UsageRecord>> awaitingCommit = new ConcurrentHashMap<>();

    public SandboxMeter(UsageLedger ledger, PriceBook prices, UsageSignals signals) {
        this.ledger = ledger;
        this.prices = prices;
        this.signals = signals;
    }

    /** A container has just started for an environment: its time counts from now, for the environment's tenant. */
    public Uni<Void> opened(String environmentId, String containerId) {
        return ledger.open(environmentId, containerId).chain(tenant -> tenant.isPresent()
                ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(new IllegalStateException(
                        "sandbox " + containerId + " started for unknown environment " + environmentId)));
    }

    /**
     * A container has stopped, at {@code finishedAt} by the engine's account; without one (it vanished) its time
     * ends where it was last metered. Closing an interval that is already closed does nothing.
     */
    public Uni<Void> closed(String containerId, Optional<Instant> finishedAt) {
        return ledger.inTransaction(tx -> ledger.lock(tx, containerId, false).chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(List.<UsageRecord>of());
                    }
                    OpenInterval interval = found.get();
                    Instant end = finishedAt.map(interval::bounded).orElse(interval.meteredUntil());
                    return write(tx, interval, end).call(() -> ledger.close(tx, containerId));
                }))
                .invoke(signals::committed).replaceWithVoid();
    }

    /**
     * Writes a running container's time up to now. Time charged to an interaction that is no longer running (it
     * ended without the hand-back, which only a bug could cause) goes back to the environment from here on.
     * An interval another writer holds is skipped: that writer is metering it.
     */
    public Uni<Void> checkpoint(String containerId) {
        return ledger.inTransaction(tx -> ledger.lock(tx, containerId, true).chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(List.<UsageRecord>of());
                    }
                    OpenInterval interval = found.get();
                    Instant now = interval.now();
                    boolean keep = interval.interactionId() != null && interval.interactionLive();
                    return write(tx, interval, now).call(() -> ledger.advance(tx, containerId, now,
                            keep ? interval.interactionId() : null, keep ? interval.agent() : null,
                            keep ? interval.serviceTier() : PriceBook.STANDARD));
                }))
                .invoke(signals::committed).replaceWithVoid();
    }

    /**
     * An agent run is about to use the sandbox: its time so far goes to whoever had it, and from now on it is
     * charged to the interaction, at the interaction's service tier. Nothing changes if the interaction has
     * already ended.
     */
    public Uni<Void> attach(String interactionId, String containerId) {
        return ledger.inTransaction(tx -> ledger.interaction(tx, interactionId, true).chain(charged -> {
                    if (charged.isEmpty() || !charged.get().running()) {
                        return Uni.createFrom().item(List.<UsageRecord>of());
                    }
                    return ledger.lock(tx, containerId, false).chain(found -> {
                        if (found.isEmpty()) {
                            return Uni.createFrom().item(List.<UsageRecord>of());
                        }
                        OpenInterval interval = found.get();
                        Instant now = interval.now();
                        return write(tx, interval, now).call(() -> ledger.advance(tx, containerId, now, interactionId,
                                charged.get().agent(), prices.tier(charged.get().requestedTier())));
                    });
                }))
                .invoke(signals::committed).replaceWithVoid();
    }

    /**
     * The interaction is ending, inside the transaction that ends it: the time its sandboxes ran for it is written
     * to the ledger and they go back to their environments. What was written is announced (metrics, budgets) when
     * the interaction's end is, which happens only after that transaction committed.
     */
    public Uni<Void> detach(SqlClient tx, String interactionId) {
        return ledger.lockCharged(tx, interactionId).chain(intervals -> {
            List<UsageRecord> written = new ArrayList<>();
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (OpenInterval interval : intervals) {
                Instant now = interval.now();
                chain = chain.chain(() -> write(tx, interval, now)).invoke(written::addAll)
                        .chain(() -> ledger.advance(tx, interval.containerId(), now, null, null, PriceBook.STANDARD));
            }
            // Replaced, not added to: a transaction that rolled back left records that never existed.
            return chain.invoke(() -> {
                if (written.isEmpty()) {
                    awaitingCommit.remove(interactionId);
                } else {
                    awaitingCommit.put(interactionId, List.copyOf(written));
                }
            });
        });
    }

    /** The interaction's final transaction committed: announce the sandbox time its detach wrote. */
    void onInteractionEnded(@ObservesAsync InteractionEnded ended) {
        List<UsageRecord> written = awaitingCommit.remove(ended.interactionId());
        if (written != null) {
            signals.committed(written);
        }
    }

    /** Appends the interval's time from metered_until to {@code end}, one record per UTC day, priced. */
    private Uni<List<UsageRecord>> write(SqlClient tx, OpenInterval interval, Instant end) {
        List<UsageRecord> records = new ArrayList<>();
        for (UsageSpans.Span span : UsageSpans.split(interval.meteredUntil(), end)) {
            BigDecimal seconds = seconds(span.from(), span.to());
            records.add(new UsageRecord(interval.tenantId(), UsageRecord.SANDBOX, span.from(), span.to(),
                    span.period(), interval.environmentId(), interval.containerId(), interval.interactionId(),
                    interval.agent(), null, interval.serviceTier(), seconds, 0, 0, 0,
                    prices.sandboxCost(seconds, interval.serviceTier())));
        }
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (UsageRecord record : records) {
            chain = chain.chain(() -> ledger.append(tx, record));
        }
        return chain.replaceWith(records);
    }

    static BigDecimal seconds(Instant from, Instant to) {
        return new BigDecimal(Duration.between(from, to).toNanos()).divide(NANOS_PER_SECOND, 6,
                java.math.RoundingMode.HALF_UP);
    }
}
