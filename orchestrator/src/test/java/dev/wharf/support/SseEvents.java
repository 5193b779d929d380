package dev.wharf.support;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Reads a server-sent event stream's data lines as the SDKs do: one JSON object per event. */
public final class SseEvents {
    private SseEvents() {
    }

    public static List<JsonObject> parse(String body) {
        List<JsonObject> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
            if (!data.isEmpty()) {
                events.add(new JsonObject(data.toString()));
            }
        }
        return events;
    }
}
