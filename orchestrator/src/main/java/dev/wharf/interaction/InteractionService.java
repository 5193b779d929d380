package dev.wharf.interaction;

import dev.wharf.agent.AgentDefinition;
import dev.wharf.agent.AgentService;
import dev.wharf.api.ApiException;
import dev.wharf.api.InFlight;
import dev.wharf.api.PageToken;
import dev.wharf.api.ResourceIds;
import dev.wharf.capacity.AdmittedWork;
import dev.wharf.capacity.QueueDispatcher;
import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.platform.SafeContext;
import dev.wharf.tenant.Tenant;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Interactions: accept, run (in the control plane for models, in a sandbox for agents), follow, cancel, delete.
 * Work runs detached from the request that created it: a background interaction proceeds with nobody connected,
 * and a foreground caller merely waits for the log to close.
 */
@ApplicationScoped
public class InteractionService implements AdmittedWork {
    /** The most model turns an agent run may take: the agent runtime's own ceiling, so create refuses what a launch would. */
    static final long MAX_STEPS = 1000;
    private static final Logger LOG = Logger.getLogger(InteractionService.class);
    private static final int RUN_TOKEN_CHARS = 32;
    private static final String UNIQUE_VIOLATION = "23505";

    private final InteractionRepository repository;
    private final InteractionLog log;
    private final InteractionViews views;
    private final InteractionStream stream;
    private final ModelCallRunner modelCalls;
    private final AgentRunLauncher agentRuns;
    private final AgentService agents;
    private final InteractionConfig config;
    private final Clock clock;
    private final QueueDispatcher queue;

    public InteractionService(InteractionRepository repository, InteractionLog log, InteractionViews views,
                              InteractionStream stream, ModelCallRunner modelCalls, AgentRunLauncher agentRuns,
                              AgentService agents, InteractionConfig config, Clock clock, QueueDispatcher queue) {
        this.repository = repository;
        this.log = log;
        this.views = views;
        this.stream = stream;
        this.modelCalls = modelCalls;
        this.agentRuns = agentRuns;
        this.agents = agents;
        this.config = config;
        this.clock = clock;
        this.queue = queue;
    }

    /** What create answers: the interaction as JSON, or its event stream. */
    public record Outcome(JsonObject interaction, Multi<InteractionEvent> events) {
    }

    public Uni<Outcome> create(Tenant tenant, JsonObject body, String idempotencyKey) {
        CreateInteraction request = CreateInteraction.parse(body);
        Uni<Optional<Interaction>> replay = idempotencyKey == null ? Uni.createFrom().item(Optional.empty())
                : repository.findByIdempotencyKey(tenant.id(), idempotencyKey);
        return replay.chain(existing -> existing.isPresent()
                ? answer(existing.get(), request)
                : accept(tenant, request, idempotencyKey).chain(created -> answer(created, request)));
    }

    private Uni<Interaction> accept(Tenant tenant, CreateInteraction request, String idempotencyKey) {
        Instant now = clock.instant();
        String id = ResourceIds.newId(CreateInteraction.ID_PREFIX);
        Duration requestedTimeout = InteractionTimeout.requested(request.agentConfig(),
                "agent_config." + InteractionTimeout.FIELD);
        // Checked before any lookup, so an out-of-range number is named whatever else is wrong.
        Long maxTotalTokens = maxTotalTokens(request.agentConfig());
        Integer maxSteps = maxSteps(request.agentConfig());
        Uni<Void> checks = request.previousInteractionId() == null ? Uni.createFrom().voidItem()
                : repository.find(request.previousInteractionId()).chain(previous -> previous
                        .filter(found -> found.tenantId().equals(tenant.id())).isEmpty()
                        ? Uni.createFrom().failure(ApiException.invalidArgument(
                                "previous_interaction_id " + request.previousInteractionId() + " does not exist"))
                        : Uni.createFrom().voidItem());
        checks = checks.chain(() -> agentRuns.validateEnvironment(tenant.id(), request.environment()));
        Uni<AgentDefinition> agent;
        if (request.agent() != null) {
            agent = checks.chain(() -> agents.get(tenant.id(), request.agent())
                    .invoke(found -> agentRuns.agentModel(request.agentConfig(), found)));
        } else {
            modelCalls.validate(request.model());
            agent = checks.map(ignored -> (AgentDefinition) null);
        }
        // A model call runs here: it takes a place on this plane before anything is stored, so a refusal (429)
        // leaves nothing behind. An agent waits in the capacity queue for a sandbox instead.
        InFlight.Permit permit = request.agent() == null ? modelCalls.admit(tenant.id()) : null;
        return agent.map(found -> InteractionTimeout.of(config, tenant.limits(), found).effective(requestedTimeout))
                .chain(timeout -> insert(tenant, id, now, timeout, request, idempotencyKey, maxTotalTokens, maxSteps,
                        permit))
                .onFailure().invoke(() -> {
                    if (permit != null) {
                        permit.close();
                    }
                });
    }

    private Uni<Interaction> insert(Tenant tenant, String id, Instant now, Duration timeout, CreateInteraction request,
                                    String idempotencyKey, Long maxTotalTokens, Integer maxSteps,
                                    InFlight.Permit permit) {
        Interaction row = new Interaction(id, tenant.id(), InteractionStatus.QUEUED, now, now, request.model(),
                request.agent(),
                request.previousInteractionId(), null, request.body(), request.background(), request.store(),
                idempotencyKey, now.plus(timeout), request.agent() == null ? null : ResourceIds.randomToken(RUN_TOKEN_CHARS),
                maxTotalTokens, maxSteps,
                dev.wharf.model.Usage.NONE, new JsonArray(), new JsonArray(), 0, null);
        // One transaction: the interaction, its input steps and, for an agent, its place in the capacity queue
        // (it waits there until the dispatcher admits and starts it). Any failure before the commit answers an
        // error and leaves nothing; once it committed the answer is the interaction.
        boolean queued = row.isAgent();
        return repository.inTransaction(tx -> repository.insert(tx, row, queued ? null : now.plus(config.lease()),
                                queued ? now : null)
                        .chain(() -> repository.append(tx, id, InteractionEvent.CREATED,
                                new JsonObject().put("interaction", views.render(row, List.of()))))
                        .chain(() -> log.inputSteps(tx, id, request.inputSteps())))
                .onFailure(PgException.class).recoverWithUni(e -> isDuplicateKey(e) && idempotencyKey != null
                        ? repository.findByIdempotencyKey(tenant.id(), idempotencyKey).map(Optional::orElseThrow)
                                .chain(existing -> Uni.createFrom().failure(new Replay(existing)))
                        : Uni.createFrom().failure(e))
                .invoke(() -> log.wake(id))
                // A model call needs no sandbox and starts at once.
                .invoke(() -> {
                    if (queued) {
                        queue.nudge();
                    } else {
                        start(row, request, permit);
                    }
                })
                // Committed: the answer is the interaction, read afresh when the database lets us, else as written.
                .chain(() -> repository.find(id).map(found -> found.orElse(row)).onFailure().recoverWithItem(row))
                .onFailure(Replay.class).recoverWithItem(e -> {
                    if (permit != null) {
                        permit.close(); // the winner's create holds the place
                    }
                    return ((Replay) e).existing;
                });
    }

    /** A concurrent create with the same idempotency key won the insert: answer with its interaction. */
    private static final class Replay extends RuntimeException {
        final transient Interaction existing;

        Replay(Interaction existing) {
            super(null, null, false, false);
            this.existing = existing;
        }
    }

    private static boolean isDuplicateKey(Throwable e) {
        return e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
    }

    @Override
    public java.time.Duration ownerLease() {
        return config.lease();
    }

    /** Starts an agent interaction the capacity dispatcher admitted, the way a fresh create starts a model call. */
    @Override
    public Uni<Void> start(String id) {
        return repository.find(id).invoke(found -> found.filter(row -> !row.status().terminal())
                .ifPresent(row -> start(row, CreateInteraction.parse(row.request()), null))).replaceWithVoid();
    }

    /** Runs the work detached from this request; failures end the interaction, never the caller's connection. */
    private void start(Interaction row, CreateInteraction request, InFlight.Permit permit) {
        // Each run on a context of its own: the dispatcher starts several at once from one pass.
        Uni<Void> work = SafeContext.detached(() -> row.isAgent() ? agentRuns.launch(row, request)
                : modelCalls.run(row, request, permit));
        work.subscribe().with(done -> { }, failure -> {
            boolean gone = failure instanceof InteractionGoneException
                    || (failure instanceof io.smallrye.mutiny.CompositeException composite && composite.getCauses()
                            .stream().allMatch(cause -> cause instanceof InteractionGoneException));
            if (gone) {
                LOG.debugf("interaction %s was deleted while its work was finishing", row.id());
            } else {
                LOG.errorf(failure, "interaction %s: unexpected failure", row.id());
            }
        });
    }

    private Uni<Outcome> answer(Interaction interaction, CreateInteraction request) {
        if (request.stream()) {
            Multi<InteractionEvent> events = stream.follow(interaction.id(), 0);
            if (!interaction.store()) {
                events = events.onTermination().call(() -> repository.delete(interaction.id()).replaceWithVoid());
            }
            return Uni.createFrom().item(new Outcome(null, events));
        }
        if (interaction.background()) {
            return views.generated(interaction).map(view -> new Outcome(view, null));
        }
        return awaitEnd(interaction.id())
                .chain(() -> repository.find(interaction.id()).map(Optional::orElseThrow))
                .chain(views::generated)
                .call(() -> interaction.store() ? Uni.createFrom().voidItem()
                        : repository.delete(interaction.id()).replaceWithVoid())
                .map(view -> new Outcome(view, null));
    }

    /** Completes when the interaction's log is closed. */
    private Uni<Void> awaitEnd(String id) {
        return stream.follow(id, 0).filter(event -> InteractionEvent.COMPLETED.equals(event.type()))
                .toUni().replaceWithVoid();
    }

    /** The tenant's stored interaction; another tenant's id is as unknown as a made-up one. */
    public Uni<Interaction> find(String tenantId, String id) {
        if (!ResourceIds.isWellFormed(CreateInteraction.ID_PREFIX, id)) {
            return Uni.createFrom().failure(ResourceIds.unknown("interaction", CreateInteraction.ID_PREFIX, id));
        }
        return repository.find(id).map(found -> found.filter(Interaction::store)
                .filter(interaction -> interaction.tenantId().equals(tenantId))
                .orElseThrow(() -> ApiException.notFound("interaction " + id + " not found")));
    }

    public Uni<JsonObject> get(String tenantId, String id) {
        return find(tenantId, id).chain(views::full);
    }

    /** Replays the log after {@code lastEventId} (all of it when null) and follows it until it closes. */
    public Uni<Multi<InteractionEvent>> follow(String tenantId, String id, String lastEventId) {
        long after;
        try {
            after = lastEventId == null || lastEventId.isBlank() ? 0 : Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalidArgument("last_event_id must be an event_id from this interaction's stream");
        }
        return find(tenantId, id).map(found -> stream.follow(id, after));
    }

    public Uni<JsonObject> list(String tenantId, Integer pageSize, String pageToken) {
        int size = PageToken.pageSize(pageSize);
        PageToken after = pageToken == null || pageToken.isBlank() ? null : PageToken.decode(pageToken);
        return repository.page(tenantId, after == null ? null : after.created(), after == null ? null : after.id(), size)
                .map(rows -> {
                    List<Interaction> page = rows.size() > size ? rows.subList(0, size) : rows;
                    JsonArray items = new JsonArray();
                    // List items leave steps out; GET one interaction for its timeline.
                    page.forEach(row -> items.add(views.render(row, List.of())));
                    JsonObject result = new JsonObject().put("interactions", items);
                    if (rows.size() > size) {
                        Interaction last = page.get(size - 1);
                        result.put("next_page_token", new PageToken(last.createdAt(), last.id()).encode());
                    }
                    return result;
                });
    }

    /** Cancels running work; a finished interaction is returned as it is. */
    public Uni<JsonObject> cancel(String tenantId, String id) {
        return find(tenantId, id).chain(interaction -> interaction.status().terminal() ? views.full(interaction)
                : cancel(interaction).chain(() -> get(tenantId, id)));
    }

    /**
     * Ends the interaction {@code cancelled} (a conditional transition: work that ended meanwhile keeps its
     * outcome) and, for an agent, tells its run to stop in its sandbox.
     */
    private Uni<Void> cancel(Interaction interaction) {
        return log.transition(interaction.id(), InteractionStatus.CANCELLED, null)
                .call(moved -> moved && interaction.isAgent() ? agentRuns.stop(interaction)
                        : Uni.createFrom().voidItem())
                .replaceWithVoid();
    }

    /**
     * Cancels every unfinished interaction of a tenant being deleted, as cancel does each one (stored or not:
     * a foreground store=false run is work too); answers how many it looked at. One failing does not stop the rest.
     */
    public Uni<Integer> cancelAllOf(String tenantId) {
        return repository.unfinished(tenantId).chain(unfinished -> unfinished.isEmpty()
                ? Uni.createFrom().item(0)
                : Multi.createFrom().iterable(unfinished)
                        .onItem().transformToUniAndConcatenate(interaction -> cancel(interaction)
                                .onFailure().invoke(e -> LOG.warnf("cancelling interaction %s of a deleted tenant: %s",
                                        interaction.id(), e.getMessage()))
                                .onFailure().recoverWithNull())
                        .collect().asList().map(done -> unfinished.size()));
    }

    /** Deletes every interaction of a tenant being deleted, with their event logs; answers how many. */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return repository.deleteAllOf(tenantId);
    }

    public Uni<Void> delete(String tenantId, String id) {
        return find(tenantId, id).chain(interaction -> (interaction.status().terminal() ? Uni.createFrom().voidItem()
                        : cancel(tenantId, id).replaceWithVoid())
                .chain(() -> repository.delete(id)).replaceWithVoid());
    }

    private static Long maxTotalTokens(JsonObject agentConfig) {
        Object value = agentConfig.getValue("max_total_tokens");
        if (value == null) {
            return null;
        }
        return wholeNumber(value, "agent_config.max_total_tokens", 1, Long.MAX_VALUE);
    }

    private Integer maxSteps(JsonObject agentConfig) {
        Object value = agentConfig.getValue("max_steps");
        if (value == null) {
            return config.defaultMaxSteps();
        }
        return (int) wholeNumber(value, "agent_config.max_steps", 1, MAX_STEPS);
    }

    /**
     * A whole number in [min, max], as a JSON number or (int64 in the public JSON mapping) a string; anything else,
     * including 2^63 or 1e400, is a 400 naming the field at create, never a failure later.
     */
    static long wholeNumber(Object value, String field, long min, long max) {
        java.math.BigDecimal number;
        try {
            number = value instanceof Number n ? new java.math.BigDecimal(n.toString())
                    : value instanceof String s && s.trim().length() <= 40 ? new java.math.BigDecimal(s.trim()) : null;
        } catch (NumberFormatException e) {
            number = null;
        }
        if (number == null || number.stripTrailingZeros().scale() > 0
                || number.compareTo(java.math.BigDecimal.valueOf(min)) < 0
                || number.compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
            throw ApiException.invalidArgument(field + " must be a whole number from " + min + " to " + max);
        }
        return number.longValueExact();
    }

    /** int64 fields arrive as JSON numbers or, in the public JSON mapping, as strings. */
    static double number(Object value, String field) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw ApiException.invalidArgument(field + " must be a number");
            }
        }
        throw ApiException.invalidArgument(field + " must be a number");
    }
}
