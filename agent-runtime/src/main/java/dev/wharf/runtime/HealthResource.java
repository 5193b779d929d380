package dev.wharf.runtime;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.http.JsonExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /health}: answers without a token, so container health checks need no secret. */
final class HealthResource {

    private final Map<String, Object> body;

    HealthResource(String version, String workspace) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ok");
        body.put("version", version);
        body.put("workspace", workspace);
        this.body = body;
    }

    void health(HttpExchange exchange) throws IOException {
        JsonExchange.ok(exchange, body);
    }
}
