package dev.wharf.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * Serves one method on one path. It may throw: {@link Router} turns every failure into the error
 * envelope, so endpoints only write successful answers.
 */
@FunctionalInterface
public interface Endpoint {
    void handle(HttpExchange exchange) throws IOException;
}
