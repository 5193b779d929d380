package dev.wharf.metering;

import dev.wharf.platform.BlockingCalls;
import dev.wharf.sandbox.SandboxProvider;
import dev.wharf.sandbox.SandboxState;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The metering pass, every {@code wharf.metering.checkpoint-interval}: open intervals are compared with the
 * engine. A running container's time is checkpointed into the ledger (so long-running sandboxes reach usage
 * reports and budgets while they run); a stopped one is closed at the engine's record of when it stopped; one the
 * engine no longer knows is closed where it was last metered, on the second pass that misses it (the first may
 * have raced its regular removal, which knows the real end). This is what closes intervals left open by a control
 * plane that died.
 */
@ApplicationScoped
public class SandboxIntervalReconciler {
    private static final Logger LOG = Logger.getLogger(SandboxIntervalReconciler.class);

    private final UsageLedger ledger;
    private final SandboxMeter meter;
    private final SandboxProvider provider;
    private final BlockingCalls blocking;
    /** Containers whose interval was open but which the engine did not list, at the previous pass. */
    private final Set<String> missingLastPass = ConcurrentHashMap.newKeySet();

    public SandboxIntervalReconciler(UsageLedger ledger, SandboxMeter meter, SandboxProvider provider,
                                     BlockingCalls blocking) {
        this.ledger = ledger;
        this.meter = meter;
        this.provider = provider;
        this.blocking = blocking;
    }

    @Scheduled(identity = "usage-checkpoint", every = "${wharf.metering.checkpoint-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> run() {
        return passOnce()
                .onFailure().invoke(e -> LOG.warnf("metering pass failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** One pass; public so tests can run it on demand. */
    public Uni<Void> passOnce() {
        // Intervals first, engine second: a container whose interval is listed had started, so it is missing from
        // the later engine listing only if it is really gone.
        return ledger.openIntervals().chain(open -> open.isEmpty() ? Uni.createFrom().voidItem()
                : blocking.run(provider::list).chain(containers -> settle(open, containers)));
    }

    private Uni<Void> settle(List<String> open, List<SandboxState> containers) {
        Map<String, SandboxState> byId = new HashMap<>();
        containers.forEach(state -> byId.put(state.containerId(), state));
        Set<String> missingNow = ConcurrentHashMap.newKeySet();
        return Multi.createFrom().iterable(open)
                .onItem().transformToUniAndConcatenate(id -> {
                    SandboxState state = byId.get(id);
                    Uni<Void> step;
                    if (state != null && state.running()) {
                        step = meter.checkpoint(id);
                    } else if (state != null) {
                        step = meter.closed(id, Optional.ofNullable(state.finishedAt()));
                    } else if (missingLastPass.contains(id)) {
                        LOG.infof("sandbox %s is gone; its metered time ends where it was last seen", id);
                        step = meter.closed(id, Optional.empty());
                    } else {
                        missingNow.add(id);
                        step = Uni.createFrom().voidItem();
                    }
                    return step.onFailure().invoke(e -> LOG.warnf("metering sandbox %s: %s", id, e.getMessage()))
                            .onFailure().recoverWithNull();
                })
                .collect().last()
                .invoke(() -> {
                    missingLastPass.clear();
                    missingLastPass.addAll(missingNow);
                })
                .replaceWithVoid();
    }
}
