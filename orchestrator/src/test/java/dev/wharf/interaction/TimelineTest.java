package dev.wharf.interaction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {
    private static long seq;

    private static InteractionEvent event(String type, JsonObject payload) {
        return new InteractionEvent("int_1", ++seq, type, payload);
    }

    @Test
    void deltasGrowTheOpenStepAndStopSealsIt() {
        JsonObject open = new JsonObject().put("type", "model_output").put("content", new JsonArray());
        List<InteractionEvent> log = List.of(
                event(InteractionEvent.CREATED, new JsonObject()),
                event(InteractionEvent.STEP_START, new JsonObject().put("index", 0).put("step", Steps.modelOutput("hi"))),
                event(InteractionEvent.STEP_STOP, new JsonObject().put("index", 0).put("step", Steps.modelOutput("hi"))),
                event(InteractionEvent.STEP_START, new JsonObject().put("index", 1).put("step", open)),
                event(InteractionEvent.STEP_DELTA, new JsonObject().put("index", 1)
                        .put("delta", new JsonObject().put("type", "text").put("text", "Hel"))),
                event(InteractionEvent.STEP_DELTA, new JsonObject().put("index", 1)
                        .put("delta", new JsonObject().put("type", "text").put("text", "lo"))));

        List<JsonObject> steps = Timeline.steps(log);

        assertEquals(2, steps.size());
        assertEquals("Hello", steps.get(1).getJsonArray("content").getJsonObject(0).getString("text"),
                "an unfinished step shows what has arrived so far");
        assertEquals(new JsonArray(), open.getJsonArray("content"), "folding never mutates the stored event");
    }

    @Test
    void thoughtDeltasExtendTheSummary() {
        List<InteractionEvent> log = List.of(
                event(InteractionEvent.STEP_START, new JsonObject().put("index", 0)
                        .put("step", new JsonObject().put("type", "thought").put("summary", new JsonArray()))),
                event(InteractionEvent.STEP_DELTA, new JsonObject().put("index", 0).put("delta", new JsonObject()
                        .put("type", "thought_summary").put("content", new JsonObject().put("type", "text")
                                .put("text", "thinking")))));
        assertEquals("thinking", Timeline.steps(log).get(0).getJsonArray("summary").getJsonObject(0).getString("text"));
    }

    @Test
    void streamedStopEventsCarryOnlyTheIndex() {
        InteractionEvent stop = event(InteractionEvent.STEP_STOP,
                new JsonObject().put("index", 3).put("step", Steps.modelOutput("x")));
        JsonObject wire = stop.toWire();
        assertEquals(3, wire.getInteger("index"));
        assertEquals("step.stop", wire.getString("event_type"));
        assertEquals(String.valueOf(stop.seq()), wire.getString("event_id"));
        assertEquals(null, wire.getValue("step"));
    }
}
