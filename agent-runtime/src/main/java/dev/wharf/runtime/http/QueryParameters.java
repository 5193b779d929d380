package dev.wharf.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.error.RequestException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The decoded query string of a request. Values are form-decoded ({@code +} is a space), the way
 * {@code URLEncoder} on the caller's side encodes them; when a name repeats, the first one wins.
 */
public final class QueryParameters {

    private final Map<String, String> values;

    private QueryParameters(Map<String, String> values) {
        this.values = values;
    }

    public static QueryParameters of(HttpExchange exchange) {
        String raw = exchange.getRequestURI().getRawQuery();
        Map<String, String> values = new HashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                int equals = pair.indexOf('=');
                String name = decode(equals < 0 ? pair : pair.substring(0, equals));
                String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
                values.putIfAbsent(name, value);
            }
        }
        return new QueryParameters(values);
    }

    /** The value, or {@code fallback} when the parameter is absent. */
    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** A {@code true}/{@code false} parameter; absent means false. */
    public boolean flag(String name) {
        String value = values.get(name);
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw RequestException.invalid(name + " must be true or false");
    }

    private static String decode(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid("malformed query string");
        }
    }
}
