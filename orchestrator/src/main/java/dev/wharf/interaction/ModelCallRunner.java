package dev.wharf.interaction;

import dev.wharf.api.AdmissionConfig;
import dev.wharf.api.InFlight;
import dev.wharf.lifecycle.InteractionStatus;
import dev.wharf.metering.TokenMeter;
import dev.wharf.model.ModelEvent;
import dev.wharf.model.ModelRequest;
import dev.wharf.model.ModelResponse;
import dev.wharf.model.ModelRouter;
import dev.wharf.model.Part;
import dev.wharf.model.ResolvedModel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a model interaction in the control plane: the conversation so far plus this input go to the provider,
 * and the reply comes back as steps. With {@code stream: true} text and thoughts are logged as deltas while they
 * arrive. A function call from the model ends the interaction in {@code requires_action}.
 */
@ApplicationScoped
public class ModelCallRunner {
    private final InteractionRepository repository;
    private final InteractionLog log;
    private final ConversationHistory history;
    private final ModelRouter router;
    private final InteractionLease lease;
    private final TokenMeter tokens;
    private final InFlight inFlight;
    /** How long the end of a call may wait for a busy database: as long as the lease it holds. */
    private final java.time.Duration patience;

    public ModelCallRunner(InteractionRepository repository, InteractionLog log, ConversationHistory history,
                           ModelRouter router, InteractionLease lease, TokenMeter tokens, AdmissionConfig admission,
                           MeterRegistry registry, InteractionConfig config) {
        this.patience = config.lease();
        this.repository = repository;
        this.log = log;
        this.history = history;
        this.router = router;
        this.lease = lease;
        this.tokens = tokens;
        this.inFlight = new InFlight("model interactions", admission.maxModelCalls(), admission.tenantMaxModelCalls(),
                admission.retryAfter());
        Gauge.builder("wharf.interactions.model_calls.in_flight", inFlight, InFlight::total)
                .description("Model interactions this control plane is running").register(registry);
    }

    /**
     * A place for one more model interaction of {@code tenantId} on this plane, taken before anything is stored,
     * or the 429 that says which limit is reached. {@link #run} gives it back when the interaction ends.
     */
    public InFlight.Permit admit(String tenantId) {
        return inFlight.enter(tenantId);
    }

    /** Refuses, before anything is stored, a model id no configured provider serves. */
    public void validate(String modelId) {
        router.resolve(modelId);
    }

    public Uni<Void> run(Interaction row, CreateInteraction request, InFlight.Permit permit) {
        String id = row.id();
        ResolvedModel model = router.resolve(row.model());
        Runnable release = lease.hold(id);
        return log.transition(id, InteractionStatus.IN_PROGRESS, null)
                .chain(() -> history.through(id))
                .chain(steps -> {
                    ModelRequest call = new ModelRequest(model.model(), request.systemInstruction(),
                            Steps.toConversation(steps), request.clientFunctions(), request.generationConfig(),
                            request.responseSchema());
                    int next = InteractionViews.inputStepCount(row);
                    return request.stream() ? streamed(id, model, call, next) : whole(id, model, call, next);
                })
                .chain(response -> repository.addUsage(id, response.usage())
                        .chain(() -> tokens.record(id, row.model(), response.usage())).replaceWith(response))
                .chain(response -> {
                    boolean calls = response.parts().stream().anyMatch(p -> p instanceof Part.ToolCall);
                    return log.end(id, calls ? InteractionStatus.REQUIRES_ACTION : InteractionStatus.COMPLETED,
                            null, patience);
                })
                .onFailure().recoverWithUni(failure -> log.end(id, InteractionStatus.FAILED,
                        new JsonArray().add(InteractionFailures.describe(failure)), patience))
                .eventually(() -> {
                    release.run();
                    permit.close();
                })
                .replaceWithVoid();
    }

    private Uni<ModelResponse> whole(String id, ResolvedModel model, ModelRequest call, int firstIndex) {
        return model.provider().generate(call).call(response -> {
            List<JsonObject> steps = Steps.fromModelTurn(response.parts());
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (int i = 0; i < steps.size(); i++) {
                int index = firstIndex + i;
                JsonObject step = steps.get(i);
                chain = chain.chain(() -> log.step(id, index, step));
            }
            return chain;
        });
    }

    /**
     * Streams the reply: the first text (and thought) delta opens its step, later ones extend it, and the
     * assembled reply seals those steps and appends the tool calls.
     */
    private Uni<ModelResponse> streamed(String id, ResolvedModel model, ModelRequest call, int firstIndex) {
        AtomicInteger next = new AtomicInteger(firstIndex);
        int[] open = {-1, -1};
        return model.provider().stream(call)
                .onItem().transformToUniAndConcatenate(event -> {
                    if (event instanceof ModelEvent.TextDelta text) {
                        Uni<Void> start = Uni.createFrom().voidItem();
                        if (open[0] < 0) {
                            open[0] = next.getAndIncrement();
                            start = log.startStep(id, open[0], new JsonObject().put("type", "model_output")
                                    .put("content", new JsonArray()));
                        }
                        return start.chain(() -> log.delta(id, open[0],
                                new JsonObject().put("type", "text").put("text", text.text()))).replaceWith(event);
                    }
                    if (event instanceof ModelEvent.ThoughtDelta thought) {
                        Uni<Void> start = Uni.createFrom().voidItem();
                        if (open[1] < 0) {
                            open[1] = next.getAndIncrement();
                            start = log.startStep(id, open[1], new JsonObject().put("type", "thought")
                                    .put("summary", new JsonArray()));
                        }
                        return start.chain(() -> log.delta(id, open[1], new JsonObject().put("type", "thought_summary")
                                .put("content", new JsonObject().put("type", "text").put("text", thought.text()))))
                                .replaceWith(event);
                    }
                    ModelResponse response = ((ModelEvent.Completed) event).response();
                    return seal(id, response, open, next).replaceWith(event);
                })
                .filter(event -> event instanceof ModelEvent.Completed)
                .map(event -> ((ModelEvent.Completed) event).response())
                .toUni();
    }

    private Uni<Void> seal(String id, ModelResponse response, int[] open, AtomicInteger next) {
        List<Uni<Void>> writes = new ArrayList<>();
        boolean textSealed = false;
        boolean thoughtSealed = false;
        for (JsonObject step : Steps.fromModelTurn(response.parts())) {
            String type = step.getString("type");
            if ("model_output".equals(type) && open[0] >= 0 && !textSealed) {
                textSealed = true;
                writes.add(log.stopStep(id, open[0], step));
            } else if ("thought".equals(type) && open[1] >= 0 && !thoughtSealed) {
                thoughtSealed = true;
                writes.add(log.stopStep(id, open[1], step));
            } else {
                int index = next.getAndIncrement();
                writes.add(log.step(id, index, step));
            }
        }
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Uni<Void> write : writes) {
            chain = chain.chain(() -> write);
        }
        return chain;
    }
}
