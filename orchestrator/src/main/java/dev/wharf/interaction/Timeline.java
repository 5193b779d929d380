package dev.wharf.interaction;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds an interaction's event log into its steps: {@code step.start} opens a step, {@code step.delta}s grow it,
 * {@code step.stop} seals it with the finished step. Pure, so GET, streams and tests agree by construction.
 */
public final class Timeline {
    private Timeline() {
    }

    public static List<JsonObject> steps(List<InteractionEvent> events) {
        List<JsonObject> steps = new ArrayList<>();
        for (InteractionEvent event : events) {
            JsonObject payload = event.payload();
            switch (event.type()) {
                case InteractionEvent.STEP_START -> set(steps, payload.getInteger("index"),
                        payload.getJsonObject("step").copy());
                case InteractionEvent.STEP_DELTA -> {
                    int index = payload.getInteger("index");
                    if (index < steps.size() && steps.get(index) != null) {
                        applyDelta(steps.get(index), payload.getJsonObject("delta"));
                    }
                }
                case InteractionEvent.STEP_STOP -> {
                    JsonObject finished = payload.getJsonObject("step");
                    if (finished != null) {
                        set(steps, payload.getInteger("index"), finished.copy());
                    }
                }
                default -> {
                    // Status and lifecycle events carry no step content.
                }
            }
        }
        steps.removeIf(java.util.Objects::isNull);
        return steps;
    }

    /** Text deltas extend the step's last text content; thought deltas extend its summary. */
    static void applyDelta(JsonObject step, JsonObject delta) {
        if (delta == null) {
            return;
        }
        String type = delta.getString("type");
        if ("text".equals(type)) {
            JsonArray content = step.getJsonArray("content");
            if (content == null) {
                content = new JsonArray();
                step.put("content", content);
            }
            JsonObject last = content.isEmpty() ? null : content.getJsonObject(content.size() - 1);
            if (last != null && "text".equals(last.getString("type"))) {
                last.put("text", last.getString("text", "") + delta.getString("text", ""));
            } else {
                content.add(new JsonObject().put("type", "text").put("text", delta.getString("text", "")));
            }
        } else if ("thought_summary".equals(type) || "thought".equals(type)) {
            JsonArray summary = step.getJsonArray("summary");
            if (summary == null) {
                summary = new JsonArray();
                step.put("summary", summary);
            }
            JsonObject content = delta.getJsonObject("content");
            String text = content != null ? content.getString("text", "") : delta.getString("text", "");
            JsonObject last = summary.isEmpty() ? null : summary.getJsonObject(summary.size() - 1);
            if (last != null && "text".equals(last.getString("type"))) {
                last.put("text", last.getString("text", "") + text);
            } else {
                summary.add(new JsonObject().put("type", "text").put("text", text));
            }
        }
    }

    private static void set(List<JsonObject> steps, int index, JsonObject step) {
        while (steps.size() <= index) {
            steps.add(null);
        }
        steps.set(index, step);
    }
}
