package dev.wharf.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.wharf.runtime.error.ErrorStatus;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Sends each request to its endpoint and turns every failure into the error envelope. Routes are
 * exact paths or templates with {@code {name}} placeholders (see {@link RouteTemplate}); exact paths
 * win, then templates in the order they were added. A trailing slash is tolerated. Authentication
 * comes before routing, so a caller without the token learns nothing, not even which routes exist.
 */
public final class Router implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(Router.class.getName());

    private final BearerAuthentication authentication;
    private final Map<String, Map<String, Endpoint>> routes = new HashMap<>();
    private final Map<String, RouteTemplate> templates = new LinkedHashMap<>();
    private final Set<String> unauthenticated = new HashSet<>();

    public Router(BearerAuthentication authentication) {
        this.authentication = authentication;
    }

    public Router route(String method, String path, Endpoint endpoint) {
        routes.computeIfAbsent(path, p -> new TreeMap<>()).put(method, endpoint);
        if (RouteTemplate.isTemplate(path)) {
            templates.computeIfAbsent(path, RouteTemplate::of);
        }
        return this;
    }

    /** A route anyone may call, such as the health check a container runtime probes. */
    public Router publicRoute(String method, String path, Endpoint endpoint) {
        unauthenticated.add(method + " " + path);
        return route(method, path, endpoint);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            dispatch(exchange);
        } catch (Exception | Error failure) {
            // Errors too: a failed request must still get its answer, and the connection its end,
            // instead of silently killing a request thread.
            fail(exchange, failure);
        } finally {
            exchange.close();
        }
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = withoutTrailingSlash(exchange.getRequestURI().getPath());
        if (!unauthenticated.contains(method + " " + path)) {
            authentication.check(exchange);
        }
        // Templates are stored under their pattern; a request for the literal pattern must not
        // reach them without its placeholders being filled in.
        Map<String, Endpoint> byMethod = RouteTemplate.isTemplate(path) ? null : routes.get(path);
        if (byMethod == null) {
            byMethod = matchTemplate(exchange, path);
        }
        if (byMethod == null) {
            ErrorEnvelope.of(ErrorStatus.NOT_FOUND, "no such endpoint: " + path).send(exchange);
            return;
        }
        Endpoint endpoint = byMethod.get(method);
        if (endpoint == null) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", byMethod.keySet()));
            ErrorEnvelope.of(ErrorStatus.UNIMPLEMENTED, method + " is not supported on " + path).send(exchange);
            return;
        }
        endpoint.handle(exchange);
    }

    /** The endpoints of the first template {@code path} fits, with its placeholder values attached. */
    private Map<String, Endpoint> matchTemplate(HttpExchange exchange, String path) {
        for (RouteTemplate template : templates.values()) {
            Map<String, String> values = template.match(path);
            if (values != null) {
                PathParameters.attach(exchange, values);
                return routes.get(template.pattern());
            }
        }
        return null;
    }

    private static void fail(HttpExchange exchange, Throwable failure) {
        ErrorEnvelope envelope = ErrorEnvelope.of(failure);
        if (envelope.status() == ErrorStatus.INTERNAL) {
            LOG.log(System.Logger.Level.ERROR, exchange.getRequestMethod() + " "
                    + exchange.getRequestURI().getPath() + " failed", failure);
        }
        // Once a streamed answer has started, its status line is gone; the short body is the signal.
        if (exchange.getResponseCode() != -1) {
            return;
        }
        try {
            envelope.send(exchange);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not send an error, the caller is gone", e);
        }
    }

    private static String withoutTrailingSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
