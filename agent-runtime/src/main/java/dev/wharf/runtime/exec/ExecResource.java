package dev.wharf.runtime.exec;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.http.JsonExchange;
import java.io.IOException;

/** {@code POST /exec}: runs a command and answers how it ended. */
public final class ExecResource {

    private final CommandRunner runner;

    public ExecResource(CommandRunner runner) {
        this.runner = runner;
    }

    public void exec(HttpExchange exchange) throws IOException {
        ExecRequest request = ExecRequest.fromJson(JsonExchange.readObject(exchange));
        JsonExchange.ok(exchange, runner.run(request).toJson());
    }
}
