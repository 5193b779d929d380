package dev.wharf.interaction;

import dev.wharf.api.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * The conversation carried over through {@code previous_interaction_id}: the steps of every earlier interaction
 * in the chain, oldest first. Only the conversation carries over; tools and instructions are per interaction.
 */
@ApplicationScoped
public class ConversationHistory {
    private final InteractionRepository repository;
    private final InteractionViews views;
    private final InteractionConfig config;

    public ConversationHistory(InteractionRepository repository, InteractionViews views, InteractionConfig config) {
        this.repository = repository;
        this.views = views;
        this.config = config;
    }

    /** Steps up to and including {@code interactionId}'s own. */
    public Uni<List<JsonObject>> through(String interactionId) {
        return collect(interactionId, new ArrayList<>(), 0);
    }

    private Uni<List<JsonObject>> collect(String id, List<List<JsonObject>> newestFirst, int depth) {
        if (id == null || depth >= config.historyLimit()) {
            List<JsonObject> steps = new ArrayList<>();
            for (int i = newestFirst.size() - 1; i >= 0; i--) {
                steps.addAll(newestFirst.get(i));
            }
            return Uni.createFrom().item(steps);
        }
        return repository.find(id).chain(found -> {
            if (found.isEmpty() && depth > 0) {
                // An earlier turn was deleted, or purged after its retention: the conversation starts after it.
                return collect(null, newestFirst, depth);
            }
            if (found.isEmpty()) {
                return Uni.createFrom().failure(ApiException.notFound("interaction " + id + " not found"));
            }
            return views.steps(id).chain(steps -> {
                newestFirst.add(steps);
                return collect(found.get().previousInteractionId(), newestFirst, depth + 1);
            });
        });
    }
}
