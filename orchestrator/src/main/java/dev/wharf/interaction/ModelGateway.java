package dev.wharf.interaction;

import dev.wharf.agent.AgentDefinition;
import dev.wharf.agent.AgentService;
import dev.wharf.agent.ToolDeclarations;
import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import dev.wharf.api.ErrorBody;
import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.metering.TokenMeter;
import dev.wharf.model.ModelProviderException;
import dev.wharf.model.ModelRequest;
import dev.wharf.model.ModelResponse;
import dev.wharf.model.ModelRouter;
import dev.wharf.model.Part;
import dev.wharf.model.ResolvedModel;
import dev.wharf.model.ToolSpec;
import dev.wharf.model.Usage;
import dev.wharf.sandbox.SandboxStartup;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * The model gateway: the only door from a sandbox into the control plane. It listens on the sandbox network's
 * gateway address (not on the public API's), accepts a run's own bearer token, and serves the agent runtime's
 * three calls: the next model turn (the control plane holds the conversation, the tools and the credentials, and
 * meters the tokens), the results of built-in tools, and the run's end. An interaction that is no longer in
 * progress (cancelled, timed out, over budget) is refused, which is what stops a runtime that missed the news.
 */
@ApplicationScoped
public class ModelGateway {
    private static final Logger LOG = Logger.getLogger(ModelGateway.class);
    /** After the sandbox network exists (SandboxStartup observes at the default priority). */
    private static final int AFTER_SANDBOX_STARTUP = jakarta.interceptor.Interceptor.Priority.APPLICATION + 1000;
    private static final long MAX_BODY_BYTES = 64L * 1024 * 1024;

    private final Vertx vertx;
    private final InteractionRepository repository;
    private final InteractionLog log;
    private final InteractionViews views;
    private final ConversationHistory history;
    private final AgentService agents;
    private final AgentRunLauncher launcher;
    private final ModelRouter router;
    private final SandboxStartup sandboxes;
    private final dev.wharf.environment.EnvironmentService environments;
    private final InteractionConfig config;
    private final Clock clock;
    private final TokenMeter tokens;
    private HttpServer server;

    public ModelGateway(Vertx vertx, InteractionRepository repository, InteractionLog log, InteractionViews views,
                        ConversationHistory history, AgentService agents, AgentRunLauncher launcher,
                        ModelRouter router, SandboxStartup sandboxes,
                        dev.wharf.environment.EnvironmentService environments, InteractionConfig config, Clock clock,
                        TokenMeter tokens) {
        this.vertx = vertx;
        this.repository = repository;
        this.log = log;
        this.views = views;
        this.history = history;
        this.agents = agents;
        this.launcher = launcher;
        this.router = router;
        this.sandboxes = sandboxes;
        this.environments = environments;
        this.config = config;
        this.clock = clock;
        this.tokens = tokens;
    }

    void start(@Observes @Priority(AFTER_SANDBOX_STARTUP) StartupEvent event) {
        String host = config.gatewayHost().filter(h -> !h.isBlank()).orElse(sandboxes.gatewayAddress());
        if (host == null) {
            LOG.error("model gateway not started: the sandbox network's address is unknown (is Docker running?)");
            return;
        }
        Router routes = Router.router(vertx);
        routes.route().handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES));
        routes.post("/v1/runs/:id/model").handler(ctx -> handle(ctx, this::nextTurn));
        routes.post("/v1/runs/:id/tool-results").handler(ctx -> handle(ctx, this::toolResults));
        routes.post("/v1/runs/:id/finish").handler(ctx -> handle(ctx, this::finish));
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(config.gatewayPort()))
                .requestHandler(routes);
        server.listen().toCompletionStage().toCompletableFuture().join();
        LOG.infof("model gateway for sandboxes listening on %s:%d", host, config.gatewayPort());
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }

    private Uni<JsonObject> nextTurn(Interaction row, JsonObject body) {
        JsonObject requestConfig = row.request().getJsonObject("agent_config", new JsonObject());
        CreateInteraction request = CreateInteraction.parse(row.request());
        // This interaction's own steps are read once: they end the conversation and place the new steps.
        Uni<String> network = row.environmentId() == null ? Uni.createFrom().item((String) null)
                : dev.wharf.platform.SafeContext.run(() -> environments.get(row.tenantId(), row.environmentId()))
                        .map(env -> env.network).onFailure().recoverWithItem((String) null);
        return network.chain(stored -> agents.get(row.tenantId(), row.agent()).chain(agent -> views.steps(row.id()).chain(own ->
                history.through(row.previousInteractionId()).chain(earlier -> {
                    List<JsonObject> steps = new ArrayList<>(earlier);
                    steps.addAll(own);
                    String modelId = launcher.agentModel(requestConfig, agent);
                    ResolvedModel model = router.resolve(modelId);
                    ModelRequest call = new ModelRequest(model.model(), instructions(agent, request, stored),
                            Steps.toConversation(steps), tools(body, request, agent), request.generationConfig(), null);
                    return model.provider().generate(call)
                            .onFailure(ModelProviderException.class).recoverWithUni(e -> log.transition(row.id(),
                                            InteractionStatus.FAILED,
                                            new JsonArray().add(InteractionFailures.describe(e)))
                                    .chain(() -> Uni.createFrom().failure(ApiException.unavailable(e.getMessage()))))
                            .call(response -> record(row.id(), own.size(), response))
                            .call(response -> tokens.record(row.id(), modelId, response.usage()));
                }))))
                .chain(response -> repository.addUsage(row.id(), response.usage())
                        .chain(total -> overBudget(row, total)).replaceWith(response))
                .map(ModelGateway::turnJson);
    }

    /** Logs the model's turn as steps, from {@code firstIndex} on. */
    private Uni<Void> record(String id, int firstIndex, ModelResponse response) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        int index = firstIndex;
        for (JsonObject step : Steps.fromModelTurn(response.parts())) {
            int at = index++;
            chain = chain.chain(() -> log.step(id, at, step));
        }
        return chain;
    }

    /** Ends the interaction once its tokens reach agent_config.max_total_tokens. */
    private Uni<Void> overBudget(Interaction row, Usage total) {
        if (row.maxTotalTokens() == null || total.total() < row.maxTotalTokens()) {
            return Uni.createFrom().voidItem();
        }
        String message = "used " + total.total() + " tokens of the " + row.maxTotalTokens()
                + " allowed by agent_config.max_total_tokens";
        return log.transition(row.id(), InteractionStatus.BUDGET_EXCEEDED,
                        new JsonArray().add(InteractionViews.error(InteractionFailures.BUDGET_EXCEEDED, message)))
                .chain(() -> Uni.createFrom().failure(new ApiException(ApiStatus.RESOURCE_EXHAUSTED, message)));
    }

    private Uni<JsonObject> toolResults(Interaction row, JsonObject body) {
        JsonArray results = body.getJsonArray("results", new JsonArray());
        return views.steps(row.id()).chain(existing -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            int index = existing.size();
            for (int i = 0; i < results.size(); i++) {
                JsonObject result = results.getJsonObject(i);
                String callId = result.getString("call_id");
                String name = result.getString("name", "function");
                JsonObject step = Steps.toolResult(callId, name, result.getString("result", ""),
                        result.getBoolean("is_error", false), result.getJsonArray("images"), browsedUrl(existing, callId));
                int at = index++;
                chain = chain.chain(() -> log.step(row.id(), at, step));
            }
            return chain.replaceWith(new JsonObject());
        });
    }

    private Uni<JsonObject> finish(Interaction row, JsonObject body) {
        String status = body.getString("status", "");
        InteractionStatus target = switch (status) {
            case "completed" -> InteractionStatus.COMPLETED;
            case "requires_action" -> InteractionStatus.REQUIRES_ACTION;
            case "failed" -> InteractionStatus.FAILED;
            case "incomplete" -> InteractionStatus.INCOMPLETE;
            case "cancelled" -> null;
            default -> throw ApiException.invalidArgument("unknown finish status " + status);
        };
        if (target == null) {
            return Uni.createFrom().item(new JsonObject());
        }
        JsonObject error = body.getJsonObject("error");
        JsonArray errors = error == null ? null : new JsonArray().add(InteractionViews.error(
                error.getString("code", target.wire()), error.getString("message", "")));
        JsonArray artifacts = body.getJsonArray("artifacts", new JsonArray());
        Uni<Void> usage = row.environmentId() == null ? Uni.createFrom().voidItem()
                : dev.wharf.platform.SafeContext.run(() -> environments.refreshUsage(row.environmentId()));
        return usage.chain(() -> repository.inTransaction(tx -> repository.setArtifacts(tx, row.id(), artifacts)))
                .chain(() -> log.transition(row.id(), target, errors))
                .replaceWith(new JsonObject());
    }

    /** The agent's instructions, what its sandbox can reach (a built-in agent's only), then the caller's. */
    private static String instructions(AgentDefinition agent, CreateInteraction request, String storedNetwork) {
        List<String> parts = new ArrayList<>();
        if (agent.systemInstruction() != null) {
            parts.add(agent.systemInstruction());
        }
        if (storedNetwork != null && dev.wharf.agent.BuiltInAgents.isBuiltIn(agent.baseAgent())) {
            parts.add(dev.wharf.environment.NetworkPolicy.fromStored(storedNetwork).describeForAgent());
        }
        if (request.systemInstruction() != null) {
            parts.add(request.systemInstruction());
        }
        return parts.isEmpty() ? null : String.join("\n\n", parts);
    }

    /** The runtime's built-in tools, then the agent's and the caller's own functions. */
    private static List<ToolSpec> tools(JsonObject body, CreateInteraction request, AgentDefinition agent) {
        List<ToolSpec> tools = new ArrayList<>();
        JsonArray builtins = body.getJsonArray("tools", new JsonArray());
        for (int i = 0; i < builtins.size(); i++) {
            JsonObject tool = builtins.getJsonObject(i);
            tools.add(new ToolSpec(tool.getString("name"), tool.getString("description", ""),
                    tool.getJsonObject("parameters", new JsonObject().put("type", "object"))));
        }
        if (agent.tools() != null) {
            tools.addAll(ToolDeclarations.functionTools(agent.tools()));
        }
        tools.addAll(request.clientFunctions());
        return tools;
    }

    private static String browsedUrl(List<JsonObject> steps, String callId) {
        for (JsonObject step : steps) {
            if ("url_context_call".equals(step.getString("type")) && callId != null
                    && callId.equals(step.getString("id"))) {
                JsonArray urls = step.getJsonObject("arguments", new JsonObject()).getJsonArray("urls", new JsonArray());
                return urls.isEmpty() ? null : urls.getString(0);
            }
        }
        return null;
    }

    private static JsonObject turnJson(ModelResponse response) {
        JsonArray parts = new JsonArray();
        for (Part part : response.parts()) {
            if (part instanceof Part.Text text) {
                parts.add(new JsonObject().put("type", "text").put("text", text.text()));
            } else if (part instanceof Part.Thought thought) {
                parts.add(new JsonObject().put("type", "thought").put("text", thought.text()));
            } else if (part instanceof Part.ToolCall call) {
                parts.add(new JsonObject().put("type", "tool_call").put("id", call.id()).put("name", call.name())
                        .put("arguments", call.arguments() == null ? new JsonObject() : call.arguments()));
            }
        }
        Usage usage = response.usage();
        return new JsonObject().put("parts", parts).put("finish_reason", response.finishReason())
                .put("usage", new JsonObject().put("input_tokens", usage.inputTokens())
                        .put("output_tokens", usage.outputTokens()).put("thought_tokens", usage.thoughtTokens()));
    }

    /** Authenticates the run, checks it is still in progress (except to finish), then runs the handler. */
    private void handle(RoutingContext ctx, BiFunction<Interaction, JsonObject, Uni<JsonObject>> handler) {
        String id = ctx.pathParam("id");
        String auth = ctx.request().getHeader("Authorization");
        boolean finishing = ctx.request().path().endsWith("/finish");
        JsonObject body;
        try {
            body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            reply(ctx, ApiStatus.INVALID_ARGUMENT.httpStatus(),
                    ErrorBody.of(ApiStatus.INVALID_ARGUMENT, "body must be a JSON object").toJson());
            return;
        }
        JsonObject request = body;
        repository.find(id).chain(found -> {
            if (found.isEmpty() || found.get().runToken() == null || auth == null
                    || !constantTimeEquals(auth, "Bearer " + found.get().runToken())) {
                return Uni.createFrom().failure(new ApiException(ApiStatus.UNAUTHENTICATED, "unknown run or token"));
            }
            Interaction row = found.get();
            if (row.status() != InteractionStatus.IN_PROGRESS) {
                return finishing ? Uni.createFrom().item(new JsonObject())
                        : Uni.createFrom().failure(ApiException.failedPrecondition("interaction " + id + " is "
                                + row.status().wire() + "; the run must stop"));
            }
            if (row.deadlineAt() != null && !clock.instant().isBefore(row.deadlineAt()) && !finishing) {
                return Uni.createFrom().failure(ApiException.failedPrecondition(
                        "interaction " + id + " reached its deadline; the run must stop"));
            }
            return handler.apply(row, request);
        }).subscribe().with(result -> reply(ctx, 200, result.encode()), failure -> {
            if (ApiException.unexpected(failure)) {
                LOG.errorf(failure, "gateway call for %s failed", id);
            }
            ErrorBody.send(ctx.response(), ApiException.of(failure));
        });
    }

    private static void reply(RoutingContext ctx, int status, String json) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
