package dev.wharf.retention;

import dev.wharf.environment.EnvironmentService;
import dev.wharf.platform.SafeContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Deletes everything Wharf wrote that has outlived its tenant's retention ({@code retention_days}, else
 * {@code wharf.retention.default-days}), on a fixed cadence:
 * <ol>
 *   <li>interactions that ended before the cutoff, with their step logs and their webhook deliveries;</li>
 *   <li>environments whose last activity is before the cutoff: sandbox, workspace volume (the artifacts) and row;</li>
 *   <li>webhook delivery attempts created before the cutoff;</li>
 *   <li>usage ledger entries that ended before the cutoff, and the monthly sums and budget alerts of months that
 *   ended before it.</li>
 * </ol>
 * Counts go to {@code wharf_retention_purged_total} by kind. The time is the platform clock, so tests reach the
 * cutoff by moving it.
 */
@ApplicationScoped
public class RetentionPurge {
    private static final Logger LOG = Logger.getLogger(RetentionPurge.class);
    static final String INTERACTION = "interaction";
    static final String INTERACTION_EVENT = "interaction_event";
    static final String WEBHOOK_DELIVERY = "webhook_delivery";
    static final String ENVIRONMENT = "environment";
    static final String USAGE_RECORD = "usage_record";
    static final String NETWORK_LOG_ENTRY = "network_log_entry";

    private final RetentionRepository repository;
    private final EnvironmentService environments;
    private final RetentionConfig config;
    private final Clock clock;
    private final Map<String, Counter> purged;

    public RetentionPurge(RetentionRepository repository, EnvironmentService environments, RetentionConfig config,
                          Clock clock, MeterRegistry registry) {
        this.repository = repository;
        this.environments = environments;
        this.config = config;
        this.clock = clock;
        this.purged = Map.of(
                INTERACTION, counter(registry, INTERACTION),
                INTERACTION_EVENT, counter(registry, INTERACTION_EVENT),
                WEBHOOK_DELIVERY, counter(registry, WEBHOOK_DELIVERY),
                ENVIRONMENT, counter(registry, ENVIRONMENT),
                USAGE_RECORD, counter(registry, USAGE_RECORD),
                NETWORK_LOG_ENTRY, counter(registry, NETWORK_LOG_ENTRY));
    }

    private static Counter counter(MeterRegistry registry, String kind) {
        return Counter.builder("wharf.retention.purged")
                .description("Rows (and for environments, sandboxes with their files) deleted past retention, by kind")
                .tag("kind", kind)
                .register(registry);
    }

    @Scheduled(identity = "retention-purge", every = "${wharf.retention.purge-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> run() {
        return SafeContext.run(this::purgeOnce)
                .onFailure().invoke(e -> LOG.warnf("retention purge failed: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** One full pass; public so tests (and operators' tooling) can run it on demand. */
    public Uni<PurgeCounts> purgeOnce() {
        Instant now = clock.instant();
        // Interactions go first: an environment is kept while an interaction on record ran in it.
        return interactions(now, PurgeCounts.NONE)
                .chain(counts -> environments(now, counts))
                .chain(counts -> deliveries(now, counts))
                // Billing records too: nothing past retention remains anywhere Wharf writes.
                .chain(counts -> usage(now, counts))
                .chain(counts -> networkLog(now, counts))
                .call(() -> repository.deleteExpiredMonths(now, config.defaultDays()))
                .invoke(this::record);
    }

    private Uni<PurgeCounts> interactions(Instant now, PurgeCounts sofar) {
        return repository.deleteInteractions(now, config.defaultDays(), batchSize())
                .chain(batch -> batch.interactions() < batchSize() ? Uni.createFrom().item(sofar.plus(batch))
                        : interactions(now, sofar.plus(batch)));
    }

    private Uni<PurgeCounts> environments(Instant now, PurgeCounts sofar) {
        return repository.environmentsPast(now, config.defaultDays(), batchSize())
                .chain(ids -> purgeEach(ids).chain(removed -> {
                    PurgeCounts counts = sofar.plus(new PurgeCounts(0, 0, 0, removed, 0, 0));
                    // A full batch may hide more; stop when a batch removed nothing, so a stuck one cannot loop.
                    return ids.size() < batchSize() || removed == 0 ? Uni.createFrom().item(counts)
                            : environments(now, counts);
                }));
    }

    private Uni<Long> purgeEach(List<String> ids) {
        return Multi.createFrom().iterable(ids)
                .onItem().transformToUniAndConcatenate(id -> environments.purge(id)
                        .onFailure().invoke(e -> LOG.warnf("retention purge of environment %s: %s", id, e.getMessage()))
                        .onFailure().recoverWithItem(false))
                .collect().asList()
                .map(results -> results.stream().filter(Boolean::booleanValue).count());
    }

    private Uni<PurgeCounts> deliveries(Instant now, PurgeCounts sofar) {
        return repository.deleteDeliveries(now, config.defaultDays(), batchSize())
                .chain(deleted -> {
                    PurgeCounts counts = sofar.plus(new PurgeCounts(0, 0, deleted, 0, 0, 0));
                    return deleted < batchSize() ? Uni.createFrom().item(counts) : deliveries(now, counts);
                });
    }

    private Uni<PurgeCounts> usage(Instant now, PurgeCounts sofar) {
        return repository.deleteUsage(now, config.defaultDays(), batchSize())
                .chain(deleted -> {
                    PurgeCounts counts = sofar.plus(new PurgeCounts(0, 0, 0, 0, deleted, 0));
                    return deleted < batchSize() ? Uni.createFrom().item(counts) : usage(now, counts);
                });
    }

    private Uni<PurgeCounts> networkLog(Instant now, PurgeCounts sofar) {
        return repository.deleteNetworkLog(now, config.defaultDays(), batchSize())
                .chain(deleted -> {
                    PurgeCounts counts = sofar.plus(new PurgeCounts(0, 0, 0, 0, 0, deleted));
                    return deleted < batchSize() ? Uni.createFrom().item(counts) : networkLog(now, counts);
                });
    }

    /** At least one row a statement: a batch of zero would never finish. */
    private int batchSize() {
        return Math.max(1, config.batchSize());
    }

    private void record(PurgeCounts counts) {
        purged.get(INTERACTION).increment(counts.interactions());
        purged.get(INTERACTION_EVENT).increment(counts.interactionEvents());
        purged.get(WEBHOOK_DELIVERY).increment(counts.webhookDeliveries());
        purged.get(ENVIRONMENT).increment(counts.environments());
        purged.get(USAGE_RECORD).increment(counts.usageRecords());
        purged.get(NETWORK_LOG_ENTRY).increment(counts.networkLogEntries());
        if (!counts.equals(PurgeCounts.NONE)) {
            LOG.infof("retention purge deleted %d interactions (%d events), %d webhook deliveries, %d environments,"
                    + " %d usage records, %d network log entries", counts.interactions(), counts.interactionEvents(),
                    counts.webhookDeliveries(), counts.environments(), counts.usageRecords(),
                    counts.networkLogEntries());
        }
    }
}
