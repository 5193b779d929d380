package dev.wharf.agent;

import dev.wharf.api.ApiException;
import dev.wharf.model.ToolSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code tools} a request or a saved agent declares: the caller's own functions, and the public tool types that
 * switch on the sandbox's built-in tools. Read the same way wherever tools are declared.
 */
public final class ToolDeclarations {
    /** Public tool types that map to the agent's built-in tools. */
    static final Map<String, List<String>> BUILTIN_TOOL_TYPES = Map.of(
            "code_execution", List.of("execute_code", "read_file", "write_file", "edit_file", "list_files"),
            "url_context", List.of("browse"));

    private ToolDeclarations() {
    }

    /** The caller's own functions among {@code tools}; a tool of an unsupported type is a 400. */
    public static List<ToolSpec> functionTools(JsonArray tools) {
        List<ToolSpec> functions = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            Object entry = tools.getValue(i);
            if (!(entry instanceof JsonObject tool)) {
                throw ApiException.invalidArgument("tools[" + i + "] must be an object");
            }
            String type = tool.getString("type", "");
            if ("function".equals(type)) {
                String name = tool.getString("name");
                if (name == null || name.isBlank()) {
                    throw ApiException.invalidArgument("tools[" + i + "].name is required for a function");
                }
                JsonObject parameters = tool.getValue("parameters") instanceof JsonObject p ? p
                        : new JsonObject().put("type", "object").put("properties", new JsonObject());
                functions.add(new ToolSpec(name, tool.getString("description", ""), parameters));
            } else if (!BUILTIN_TOOL_TYPES.containsKey(type)) {
                throw ApiException.invalidArgument("tools[" + i + "]: type '" + type
                        + "' is not supported here; use function, code_execution or url_context");
            }
        }
        return functions;
    }

    /** The sandbox tools that {@code code_execution} and {@code url_context} entries switch on. */
    public static Set<String> builtinTools(JsonArray tools) {
        Set<String> builtins = new java.util.LinkedHashSet<>();
        for (Object entry : tools) {
            if (entry instanceof JsonObject tool && BUILTIN_TOOL_TYPES.containsKey(tool.getString("type", ""))) {
                builtins.addAll(BUILTIN_TOOL_TYPES.get(tool.getString("type")));
            }
        }
        return builtins;
    }
}
