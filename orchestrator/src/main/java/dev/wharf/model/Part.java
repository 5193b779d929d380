package dev.wharf.model;

import io.vertx.core.json.JsonObject;

/**
 * One piece of a conversation message, in Wharf's provider-neutral form. Providers translate to and from
 * their own wire shapes; the interactions layer maps steps to and from these.
 */
public sealed interface Part {

    /** Plain text from the user or the model. */
    record Text(String text) implements Part {
    }

    /** Model reasoning, when a provider exposes it. */
    record Thought(String text) implements Part {
    }

    /** An image: inline base64 {@code data}, or a {@code uri}. */
    record Image(String mimeType, String data, String uri) implements Part {
    }

    /** The model asks for a tool to be run. {@code arguments} is the JSON object the model produced. */
    record ToolCall(String id, String name, JsonObject arguments) implements Part {
    }

    /** The outcome of a tool call, sent back to the model. {@code result} is text (often JSON). */
    record ToolResult(String callId, String name, String result, boolean isError) implements Part {
    }
}
