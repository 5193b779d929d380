package dev.wharf.interaction;

import dev.wharf.capacity.ServiceTier;
import dev.wharf.metering.Figures;
import dev.wharf.metering.InteractionCharges;
import dev.wharf.metering.UsageReports;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlClient;
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
    private final UsageReports usage;

    public InteractionViews(InteractionRepository repository, UsageReports usage) {
        this.repository = repository;
        this.usage = usage;
    }

    /** The whole timeline, starting with the input. */
    public Uni<JsonObject> full(Interaction interaction) {
        return steps(interaction.id()).chain(steps -> usage.forInteraction(interaction.id())
                .map(charges -> render(interaction, steps, charges)));
    }

    /**
     * The same, read through {@code client}. A transaction that renders the interaction (its final event) must
     * read through its own connection: asking the pool for a second one while holding the first is how a full
     * pool deadlocks.
     */
    public Uni<JsonObject> full(SqlClient client, Interaction interaction) {
        return repository.events(client, interaction.id(), 0, ALL).map(Timeline::steps)
                .chain(steps -> usage.forInteraction(client, interaction.id())
                        .map(charges -> render(interaction, steps, charges)));
    }

    /** Only what this interaction generated: the answer to create. */
    public Uni<JsonObject> generated(Interaction interaction) {
        return steps(interaction.id()).chain(steps -> usage.forInteraction(interaction.id())
                .map(charges -> render(interaction, steps.subList(
                        Math.min(inputStepCount(interaction), steps.size()), steps.size()), charges)));
    }

    public Uni<List<JsonObject>> steps(String id) {
        return repository.events(id, 0, ALL).map(Timeline::steps);
    }

    static int inputStepCount(Interaction interaction) {
        return CreateInteraction.inputSteps(interaction.request().getValue("input")).size();
    }

    /** Without the metered figures (x_sandbox_seconds, x_cost), which need the ledger: list items, created events. */
    public JsonObject render(Interaction i, List<JsonObject> steps) {
        return render(i, steps, null);
    }

    /**
     * {@code charges}, when known, adds {@code x_sandbox_seconds} and {@code x_cost} (in the price book's currency,
     * wharf.metering.currency) to usage; both are numbers, like every usage field the SDKs parse.
     */
    public JsonObject render(Interaction i, List<JsonObject> steps, InteractionCharges charges) {
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
        JsonObject usage = new JsonObject()
                .put("total_input_tokens", i.usage().inputTokens())
                .put("total_output_tokens", i.usage().outputTokens())
                .put("total_thought_tokens", i.usage().thoughtTokens())
                .put("total_tokens", i.usage().total());
        if (charges != null) {
            usage.put("x_sandbox_seconds", Figures.seconds(charges.sandboxSeconds()))
                    .put("x_cost", Figures.money(charges.cost()));
        }
        view.put("usage", usage);
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
