package dev.wharf.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import java.util.Map;

/** The values {@link Router} took from the placeholders of the route a request matched. */
public final class PathParameters {

    private static final String ATTRIBUTE = PathParameters.class.getName();

    private PathParameters() {
    }

    static void attach(HttpExchange exchange, Map<String, String> values) {
        exchange.setAttribute(ATTRIBUTE, Map.copyOf(values));
    }

    /**
     * The value of placeholder {@code name}. Asking for one the route does not declare is a
     * programming error, not a caller's mistake.
     */
    public static String get(HttpExchange exchange, String name) {
        @SuppressWarnings("unchecked")
        Map<String, String> values = (Map<String, String>) exchange.getAttribute(ATTRIBUTE);
        String value = values == null ? null : values.get(name);
        if (value == null) {
            throw new IllegalStateException("the route has no placeholder " + name);
        }
        return value;
    }
}
