package dev.wharf.model;

import java.util.List;

/**
 * One answer a scripted model server gives, in protocol-neutral terms: each {@link ScriptedModelServer}
 * renders it in its own wire format, whole or as a stream. Build with the static factories and refine with
 * the {@code with...} methods, e.g. {@code ScriptedReply.text("hi").withUsage(12, 3, 0).withDelay(200)}.
 *
 * @param text         reply text, or null
 * @param thought      reasoning the model reveals (OpenAI {@code reasoning_content}, Anthropic thinking, Gemini
 *                     thought parts), or null
 * @param toolCalls    tool calls, in order; arguments are JSON text (OpenAI sends them verbatim, so invalid JSON
 *                     can be scripted there)
 * @param status       HTTP status; anything but 200 makes this an error reply with {@code errorMessage}
 * @param errorMessage the provider's error message, in its error envelope
 * @param delayMillis  how long the server waits before answering
 * @param usage        tokens to report, or null for the server's default
 * @param finishReason the provider's own finish word, or null for the natural one (stop, or tool calls)
 */
public record ScriptedReply(String text, String thought, List<ToolCall> toolCalls, int status, String errorMessage,
                            long delayMillis, Usage usage, String finishReason) {

    /** A tool call to script. A null id lets the server assign one ({@code call_1}, {@code toolu_1}, ...). */
    public record ToolCall(String id, String name, String arguments) {
    }

    public ScriptedReply {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ScriptedReply text(String text) {
        return new ScriptedReply(text, null, List.of(), 200, null, 0, null, null);
    }

    public static ScriptedReply toolCall(String name, String jsonArguments) {
        return toolCalls(call(name, jsonArguments));
    }

    public static ScriptedReply toolCalls(ToolCall... calls) {
        return new ScriptedReply(null, null, List.of(calls), 200, null, 0, null, null);
    }

    /** The provider answers {@code status} with {@code message} in its usual error envelope. */
    public static ScriptedReply error(int status, String message) {
        return new ScriptedReply(null, null, List.of(), status, message, 0, null, null);
    }

    public static ToolCall call(String name, String jsonArguments) {
        return new ToolCall(null, name, jsonArguments);
    }

    public ScriptedReply withText(String text) {
        return new ScriptedReply(text, thought, toolCalls, status, errorMessage, delayMillis, usage, finishReason);
    }

    public ScriptedReply withThought(String thought) {
        return new ScriptedReply(text, thought, toolCalls, status, errorMessage, delayMillis, usage, finishReason);
    }

    public ScriptedReply withDelay(long millis) {
        return new ScriptedReply(text, thought, toolCalls, status, errorMessage, millis, usage, finishReason);
    }

    /** Reports these token counts; {@code output} excludes {@code thoughts} (each protocol adds them as it does). */
    public ScriptedReply withUsage(long input, long output, long thoughts) {
        return new ScriptedReply(text, thought, toolCalls, status, errorMessage, delayMillis,
                new Usage(input, output, thoughts), finishReason);
    }

    public ScriptedReply withFinishReason(String finishReason) {
        return new ScriptedReply(text, thought, toolCalls, status, errorMessage, delayMillis, usage, finishReason);
    }

    public boolean isError() {
        return status != 200;
    }
}
