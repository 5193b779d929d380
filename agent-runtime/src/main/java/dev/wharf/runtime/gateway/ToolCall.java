package dev.wharf.runtime.gateway;

/**
 * The model asking for a tool.
 *
 * @param arguments as the model sent them: normally an object, but left unchecked so that a
 *                  malformed one becomes an error result for that call, not a failed run
 */
public record ToolCall(String id, String name, Object arguments) {
}
