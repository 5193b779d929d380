package dev.wharf.runtime.tools;

import dev.wharf.runtime.error.RequestException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The built-in tools one run may use, and the one place where a tool call becomes a result. */
public final class ToolSet {

    private static final System.Logger LOG = System.getLogger(ToolSet.class.getName());

    private final Map<String, Tool> tools = new LinkedHashMap<>();

    ToolSet(List<Tool> enabled) {
        enabled.forEach(tool -> tools.put(tool.name(), tool));
    }

    /** How the tools are declared to the model: name, description and parameter schema. */
    public List<Map<String, Object>> declarations() {
        List<Map<String, Object>> declarations = new ArrayList<>();
        for (Tool tool : tools.values()) {
            Map<String, Object> declaration = new LinkedHashMap<>();
            declaration.put("name", tool.name());
            declaration.put("description", tool.description());
            declaration.put("parameters", tool.parameters());
            declarations.add(declaration);
        }
        return declarations;
    }

    /** Empty when the name is not an enabled built-in tool, i.e. it is one of the caller's functions. */
    public Optional<Tool> find(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    /**
     * Runs one call. Whatever goes wrong becomes an error result the model can read, so one bad
     * call never ends the run; only an {@link Error} (out of memory, say) escapes.
     */
    public ToolOutput execute(Tool tool, Object rawArguments) {
        try {
            return tool.execute(ToolArguments.of(rawArguments));
        } catch (ToolException | RequestException e) {
            // Refusals written for the caller: path rules, missing files, bad arguments.
            return ToolOutput.error(e.getMessage());
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            return ToolOutput.error(tool.name() + " was interrupted");
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, tool.name() + " failed", e);
            String message = e.getMessage();
            return ToolOutput.error(tool.name() + " failed: "
                    + (message == null || message.isBlank() ? e.getClass().getSimpleName() : message));
        }
    }
}
