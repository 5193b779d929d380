package dev.wharf.interaction;

import io.vertx.core.json.JsonObject;

/**
 * One entry of an interaction's append-only event log. {@code seq} is the event id callers resume from;
 * {@code payload} is the event's JSON without {@code event_id}.
 */
public record InteractionEvent(String interactionId, long seq, String type, JsonObject payload) {

    public static final String CREATED = "interaction.created";
    public static final String STATUS_UPDATE = "interaction.status_update";
    public static final String COMPLETED = "interaction.completed";
    public static final String STEP_START = "step.start";
    public static final String STEP_DELTA = "step.delta";
    public static final String STEP_STOP = "step.stop";
    public static final String ERROR = "error";

    /** The event as sent to callers: the payload plus {@code event_type} and {@code event_id}. */
    public JsonObject toWire() {
        JsonObject wire = payload.copy().put("event_type", type).put("event_id", Long.toString(seq));
        if (STEP_STOP.equals(type)) {
            // The stored stop event keeps the finished step for folding; the stream carries only the index.
            wire.remove("step");
        }
        return wire;
    }
}
