package dev.wharf.runtime.tools;

/**
 * A tool call the tool refuses or cannot carry out for a reason the model can act on. The message
 * is the whole result the model sees, so it must say what to do differently.
 */
public final class ToolException extends RuntimeException {

    public ToolException(String message) {
        super(message, null, false, false);
    }
}
