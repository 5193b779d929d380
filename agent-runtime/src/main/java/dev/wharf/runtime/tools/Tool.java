package dev.wharf.runtime.tools;

import java.io.IOException;
import java.util.Map;

/**
 * A built-in tool: something the model can ask for that the runtime does itself, inside the
 * sandbox. The control plane declares these to the model next to the caller's own functions.
 */
public interface Tool {

    /** The name the model calls the tool by; unique among built-in tools. */
    String name();

    /** Tells the model what the tool does and when to use it. */
    String description();

    /** The JSON Schema of the arguments object. */
    Map<String, Object> parameters();

    /**
     * Runs the tool. A refusal the model can act on is a {@link ToolException}; any other
     * exception also becomes an error result. Interrupting the calling thread must stop the work
     * promptly, including any process the tool started.
     */
    ToolOutput execute(ToolArguments arguments) throws IOException;
}
