package dev.wharf.runtime.files;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.http.JsonExchange;
import java.io.IOException;

/** {@code GET /usage}: how many regular files the workspace holds and their total size. */
public final class UsageResource {

    private final WorkspaceUsage usage;

    public UsageResource(WorkspaceUsage usage) {
        this.usage = usage;
    }

    public void usage(HttpExchange exchange) throws IOException {
        JsonExchange.ok(exchange, usage.measure().toJson());
    }
}
