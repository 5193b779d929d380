package dev.wharf.runtime.http;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A route path with placeholders, such as {@code /agent/runs/{run_id}/cancel}. A placeholder stands
 * for exactly one non-empty path segment, so an identifier can never swallow the rest of a path.
 */
final class RouteTemplate {

    private static final char OPEN = '{';
    private static final char CLOSE = '}';

    private final String pattern;
    private final List<String> segments;

    private RouteTemplate(String pattern) {
        this.pattern = pattern;
        this.segments = List.of(pattern.split("/", -1));
    }

    static boolean isTemplate(String path) {
        return path.indexOf(OPEN) >= 0;
    }

    static RouteTemplate of(String pattern) {
        return new RouteTemplate(pattern);
    }

    /** The path as registered, which is also the key of its endpoints. */
    String pattern() {
        return pattern;
    }

    /** The placeholder values when {@code path} fits this template, otherwise null. */
    Map<String, String> match(String path) {
        String[] actual = path.split("/", -1);
        if (actual.length != segments.size()) {
            return null;
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < actual.length; i++) {
            String expected = segments.get(i);
            if (isPlaceholder(expected)) {
                if (actual[i].isEmpty()) {
                    return null;
                }
                values.put(expected.substring(1, expected.length() - 1), actual[i]);
            } else if (!expected.equals(actual[i])) {
                return null;
            }
        }
        return values;
    }

    private static boolean isPlaceholder(String segment) {
        return segment.length() > 2 && segment.charAt(0) == OPEN && segment.charAt(segment.length() - 1) == CLOSE;
    }
}
