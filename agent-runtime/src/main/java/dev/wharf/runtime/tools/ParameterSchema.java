package dev.wharf.runtime.tools;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the JSON Schema of a tool's arguments object, properties in declaration order. */
final class ParameterSchema {

    private final Map<String, Object> properties = new LinkedHashMap<>();
    private final List<String> required = new ArrayList<>();

    static ParameterSchema object() {
        return new ParameterSchema();
    }

    ParameterSchema required(String name, String type, String description) {
        required.add(name);
        return optional(name, type, description);
    }

    ParameterSchema optional(String name, String type, String description) {
        Map<String, Object> property = new LinkedHashMap<>();
        property.put("type", type);
        property.put("description", description);
        properties.put(name, property);
        return this;
    }

    ParameterSchema requiredChoice(String name, List<String> choices, String description) {
        required.add(name);
        Map<String, Object> property = new LinkedHashMap<>();
        property.put("type", "string");
        property.put("enum", List.copyOf(choices));
        property.put("description", description);
        properties.put(name, property);
        return this;
    }

    Map<String, Object> toJson() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", required);
        return Collections.unmodifiableMap(schema);
    }
}
