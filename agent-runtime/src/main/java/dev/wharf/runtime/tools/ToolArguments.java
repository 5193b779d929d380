package dev.wharf.runtime.tools;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Map;

/**
 * The arguments object of one tool call, with typed accessors whose failures are messages the
 * model can act on. Models sometimes send the object as a JSON string; that is accepted too.
 */
public final class ToolArguments {

    private final Map<String, Object> values;

    private ToolArguments(Map<String, Object> values) {
        this.values = values;
    }

    /** @param raw what the model sent as {@code arguments}: an object, a JSON string of one, or null */
    public static ToolArguments of(Object raw) {
        if (raw == null) {
            return new ToolArguments(Map.of());
        }
        Object parsed = raw;
        if (raw instanceof String) {
            String text = ((String) raw).trim();
            if (text.isEmpty()) {
                return new ToolArguments(Map.of());
            }
            try {
                parsed = JSON.std.anyFrom(text);
            } catch (IOException e) {
                throw new ToolException("the arguments are not valid JSON");
            }
        }
        if (!(parsed instanceof Map)) {
            throw new ToolException("the arguments must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) parsed;
        return new ToolArguments(object);
    }

    public String requiredString(String name) {
        Object value = values.get(name);
        if (value == null) {
            throw new ToolException("the argument " + name + " is required");
        }
        if (!(value instanceof String)) {
            throw new ToolException("the argument " + name + " must be a string");
        }
        return (String) value;
    }

    public String optionalString(String name, String fallback) {
        return values.get(name) == null ? fallback : requiredString(name);
    }

    public boolean optionalBoolean(String name, boolean fallback) {
        Object value = values.get(name);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean)) {
            throw new ToolException("the argument " + name + " must be true or false");
        }
        return (Boolean) value;
    }

    public int optionalInteger(String name, int fallback, int min, int max) {
        Object value = values.get(name);
        if (value == null) {
            return fallback;
        }
        boolean integral = value instanceof Integer || value instanceof Long || value instanceof BigInteger;
        if (!integral || ((Number) value).doubleValue() < min || ((Number) value).doubleValue() > max) {
            throw new ToolException("the argument " + name + " must be an integer from " + min + " to " + max);
        }
        return ((Number) value).intValue();
    }
}
