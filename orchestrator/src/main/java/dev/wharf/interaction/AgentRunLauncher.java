package dev.wharf.interaction;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.agent.AgentDefinition;
import dev.wharf.agent.AgentService;
import dev.wharf.api.ApiException;
import dev.wharf.environment.CreateEnvironmentRequest;
import dev.wharf.environment.EnvironmentLifetimes;
import dev.wharf.environment.EnvironmentService;
import dev.wharf.environment.RunningSandbox;
import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.metering.SandboxMeter;
import dev.wharf.model.ModelRouter;
import dev.wharf.platform.SafeContext;
import dev.wharf.sandbox.SandboxDaemonClient;
import dev.wharf.sandbox.SandboxStartup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Starts an agent interaction's run in its sandbox: picks the environment (the one named, the previous turn's,
 * or a fresh one seeded with the agent's base environment), makes sure its sandbox is up, and hands the run to
 * the agent runtime there. From then on the runtime drives the loop through the model gateway.
 */
@ApplicationScoped
public class AgentRunLauncher {
    private static final Logger LOG = Logger.getLogger(AgentRunLauncher.class);

    private final InteractionRepository repository;
    private final InteractionLog log;
    private final AgentService agents;
    private final EnvironmentService environments;
    private final SandboxDaemonClient daemon;
    private final SandboxStartup sandboxes;
    private final ModelRouter router;
    private final InteractionConfig config;
    private final ObjectMapper mapper;
    private final InteractionLease lease;
    private final EnvironmentLifetimes lifetimes;
    private final SandboxMeter meter;

    public AgentRunLauncher(InteractionRepository repository, InteractionLog log, AgentService agents,
                            EnvironmentService environments, SandboxDaemonClient daemon,
                            SandboxStartup sandboxes, ModelRouter router, InteractionConfig config, ObjectMapper mapper,
                            InteractionLease lease, EnvironmentLifetimes lifetimes, SandboxMeter meter) {
        this.repository = repository;
        this.log = log;
        this.agents = agents;
        this.environments = environments;
        this.daemon = daemon;
        this.sandboxes = sandboxes;
        this.router = router;
        this.config = config;
        this.mapper = mapper;
        this.lease = lease;
        this.lifetimes = lifetimes;
        this.meter = meter;
    }

    /** The model driving this agent: the request's agent_config.model, the agent's, or the platform default. */
    public String agentModel(JsonObject requestConfig, AgentDefinition agent) {
        String model = requestConfig.getString("model");
        if (model == null && agent.agentConfig() != null) {
            model = agent.agentConfig().getString("model");
        }
        if (model == null) {
            model = config.agentDefaultModel().filter(m -> !m.isBlank()).orElseThrow(() -> ApiException.invalidArgument(
                    "agent_config.model is required (for example \"openai/gpt-4o\"): no default agent model is set"));
        }
        router.resolve(model);
        return model;
    }

    /**
     * Until the run is handed to its sandbox this control plane owns it through a lease, renewed while the
     * environment is provisioned, so a crash here is noticed and a slow start is not.
     */
    public Uni<Void> launch(Interaction row, CreateInteraction request) {
        String id = row.id();
        Runnable release = lease.hold(id);
        return SafeContext.run(() -> agents.get(row.tenantId(), row.agent())
                .call(agent -> log.transition(id, InteractionStatus.IN_PROGRESS, null))
                .chain(agent -> environmentFor(row, request, agent)
                        .call(environmentId -> repository.setEnvironment(id, environmentId))
                        .chain(environmentId -> environments.ensureRunning(row.tenantId(), environmentId))
                        .call(sandbox -> capAtLifetime(id, sandbox.environmentId()))
                        // From here the sandbox's running time is charged to this interaction, until it ends.
                        .call(sandbox -> meter.attach(id, sandbox.containerId()))
                        .chain(sandbox -> daemon.startRun(sandbox.address(), sandbox.token(),
                                runRequest(row, request, sandbox)))
                        .chain(() -> repository.markRunStarted(id)))
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("agent interaction %s could not start: %s", id, failure.getMessage());
                    return log.end(id, InteractionStatus.FAILED,
                            new JsonArray().add(InteractionFailures.describe(failure)), config.lease())
                            .replaceWithVoid();
                }))
                .eventually(release);
    }

    /**
     * The sandbox expires at the end of its maximum lifetime even while a run uses it, so the run's deadline is
     * brought forward to that moment: the interaction then ends {@code incomplete} (deadline_exceeded) with its
     * files kept, instead of losing its sandbox under it and waiting for a later deadline.
     */
    private Uni<Void> capAtLifetime(String id, String environmentId) {
        return lifetimes.of(environmentId).chain(lifetime -> lifetime.lifetimeEnd()
                .map(end -> repository.capDeadline(id, end)).orElse(Uni.createFrom().voidItem()));
    }

    /** Stops a run in its sandbox, best effort: the gateway refuses it anyway once the interaction has ended. */
    public Uni<Void> stop(Interaction row) {
        if (row.environmentId() == null) {
            return Uni.createFrom().voidItem();
        }
        return SafeContext.run(() -> environments.get(row.tenantId(), row.environmentId())
                .chain(env -> env.sandboxAddress == null ? Uni.createFrom().voidItem()
                        : daemon.cancelRun(env.sandboxAddress, env.sandboxToken, row.id()).replaceWithVoid()))
                .onFailure().invoke(e -> LOG.debugf("cancel of run %s: %s", row.id(), e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private JsonObject runRequest(Interaction row, CreateInteraction request, RunningSandbox sandbox) {
        String host = config.gatewayHost().filter(h -> !h.isBlank()).orElse(sandboxes.gatewayAddress());
        JsonObject run = new JsonObject()
                .put("run_id", row.id())
                .put("gateway_url", "http://" + host + ":" + config.gatewayPort() + "/v1/runs/" + row.id())
                .put("gateway_token", row.runToken())
                .put("max_steps", row.maxSteps())
                .put("tool_timeout_seconds", config.toolTimeout().toSeconds());
        if (!request.builtinTools().isEmpty()) {
            run.put("builtin_tools", new JsonArray(new java.util.ArrayList<>(request.builtinTools())));
        }
        return run;
    }

    private Uni<String> environmentFor(Interaction row, CreateInteraction request, AgentDefinition agent) {
        Object requested = request.environment();
        if (requested instanceof String id && !"remote".equals(id)) {
            return environments.get(row.tenantId(), id).map(env -> env.id)
                    .onFailure(ApiException.class).transform(e -> ApiException.invalidArgument(
                            "environment " + id + " does not exist"));
        }
        if (requested instanceof JsonObject spec && spec.getString("environment_id") != null) {
            return environmentFor(row, request.withEnvironment(spec.getString("environment_id")), agent);
        }
        if (requested == null && row.previousInteractionId() != null) {
            return repository.find(row.previousInteractionId()).chain(previous -> {
                Optional<String> env = previous.map(Interaction::environmentId);
                return env.isPresent() ? Uni.createFrom().item(env.get()) : create(row, agent.baseEnvironment());
            });
        }
        JsonObject spec = requested instanceof JsonObject object ? object : agent.baseEnvironment();
        return create(row, spec);
    }

    private Uni<String> create(Interaction row, JsonObject spec) {
        CreateEnvironmentRequest request;
        try {
            request = environmentRequest(spec);
        } catch (ApiException e) {
            return Uni.createFrom().failure(e);
        }
        return environments.create(row.tenantId(), request).map(env -> env.id);
    }

    /**
     * Checks an inline {@code environment: {type: "remote", env, network, sources}} as its create will, so that a
     * request the sandbox could not get is refused with a 400 before the interaction is accepted.
     */
    public Uni<Void> validateEnvironment(String tenantId, Object requested) {
        if (!(requested instanceof JsonObject spec) || spec.getString("environment_id") != null) {
            return Uni.createFrom().voidItem();
        }
        try {
            return environments.validate(tenantId, environmentRequest(spec), "environment");
        } catch (ApiException e) {
            return Uni.createFrom().failure(e);
        }
    }

    private CreateEnvironmentRequest environmentRequest(JsonObject spec) {
        JsonObject body = new JsonObject();
        if (spec != null) {
            for (String field : new String[] {"env", "network", "sources"}) {
                if (spec.getValue(field) != null) {
                    body.put(field, spec.getValue(field));
                }
            }
        }
        try {
            return mapper.readValue(body.encode(), CreateEnvironmentRequest.class);
        } catch (java.io.IOException e) {
            throw ApiException.invalidArgument("environment: " + e.getMessage());
        }
    }
}
