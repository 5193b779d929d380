package dev.wharf.interaction;

import dev.wharf.capacity.ServiceTier;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Builds the public Interaction object from the row and its folded event log. */
@ApplicationScoped
public class InteractionViews {
    /** Request fields echoed back as they were sent. */
    private static final List<String> ECHOED = List.of("system_instruction", "tools", "generation_config",
            "agent_config", "response_format", "response_mime_type", "response_modalities", "service_tier",
            "webhook_config", "labels", "environment");
    private static final int ALL = Integer.MAX_VALUE;

    private final InteractionRepository repository;

    public InteractionViews(InteractionRepository repository) {
        this.repository = repository;
    }

    /** The whole timeline, starting with the input. */
    public Uni<JsonObject> full(Interaction interaction) {
        return steps(interaction.id()).map(steps -> render(interaction, steps));
    }

    /** Only what this interaction generated: the answer to create. */
    public Uni<JsonObject> generated(Interaction interaction) {
        return steps(interaction.id()).map(steps -> render(interaction, steps.subList(
                Math.min(inputStepCount(interaction), steps.size()), steps.size())));
    }

    public Uni<List<JsonObject>> steps(String id) {
        return repository.events(id, 0, ALL).map(Timeline::steps);
    }

    static int inputStepCount(Interaction interaction) {
        return CreateInteraction.inputSteps(interaction.request().getValue("input")).size();
    }

    public JsonObject render(Interaction i, List<JsonObject> steps) {
        JsonObject view = new JsonObject()
                .put("object", "interaction")
                .put("id", i.id())
                .put("status", i.status().wire())
                .put("created", format(i.createdAt()))
                .put("updated", format(i.updatedAt()));
        if (i.model() != null) {
            view.put("model", i.model());
        } else {
            view.put("agent", i.agent());
        }
        view.put("steps", new JsonArray(steps));
        view.put("usage", new JsonObject()
                .put("total_input_tokens", i.usage().inputTokens())
                .put("total_output_tokens", i.usage().outputTokens())
                .put("total_thought_tokens", i.usage().thoughtTokens())
                .put("total_tokens", i.usage().total()));
        view.put("errors", i.errors() == null ? new JsonArray() : i.errors());
        if (i.environmentId() != null) {
            view.put("environment_id", i.environmentId());
        }
        if (i.previousInteractionId() != null) {
            view.put("previous_interaction_id", i.previousInteractionId());
        }
        JsonObject request = i.request();
        for (String field : ECHOED) {
            if (request.getValue(field) != null) {
                view.put(field, request.getValue(field));
            }
        }
        view.put(ServiceTier.FIELD, ServiceTier.of(request).wire());
        view.put("background", i.background());
        view.put("store", i.store());
        view.put("x_artifacts", i.artifacts() == null ? new JsonArray() : i.artifacts());
        if (i.deadlineAt() != null) {
            // The timeout it runs with after capping, and when it ends at the latest: agent_config echoes the request.
            // An agent task's timeout counts from its admission out of the queue (which moves the deadline).
            Instant start = i.admittedAt() != null ? i.admittedAt() : i.createdAt();
            long millis = java.time.Duration.between(start, i.deadlineAt()).toMillis();
            view.put("x_timeout_seconds", millis % 1000 == 0 ? (Object) (millis / 1000) : (Object) (millis / 1000.0));
            view.put("x_deadline", format(i.deadlineAt()));
        }
        return view;
    }

    /** One entry of {@code errors}: the public shape keeps {@code code} a string. */
    public static JsonObject error(String code, String message) {
        return new JsonObject().put("code", code).put("message", message);
    }

    static String format(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
