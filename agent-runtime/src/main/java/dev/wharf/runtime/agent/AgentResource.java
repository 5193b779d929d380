package dev.wharf.runtime.agent;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.http.JsonExchange;
import dev.wharf.runtime.http.PathParameters;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /agent/runs}: the control plane starts, watches and cancels agent runs here. */
public final class AgentResource {

    private static final String RUN_ID = "run_id";

    private final AgentRuns runs;

    public AgentResource(AgentRuns runs) {
        this.runs = runs;
    }

    /** {@code POST /agent/runs}. */
    public void start(HttpExchange exchange) throws IOException {
        AgentRun run = runs.start(RunRequest.fromJson(JsonExchange.readObject(exchange)));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put(RUN_ID, run.id());
        answer.put("status", "running");
        JsonExchange.ok(exchange, answer);
    }

    /** {@code GET /agent/runs/{run_id}}. */
    public void status(HttpExchange exchange) throws IOException {
        JsonExchange.ok(exchange, runs.find(PathParameters.get(exchange, RUN_ID)).toJson());
    }

    /** {@code POST /agent/runs/{run_id}/cancel}. */
    public void cancel(HttpExchange exchange) throws IOException {
        try {
            runs.cancel(PathParameters.get(exchange, RUN_ID));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the run to stop", e);
        }
        JsonExchange.ok(exchange, Map.of());
    }
}
