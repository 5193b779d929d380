package dev.wharf.model;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * A model service speaking one protocol (OpenAI Chat Completions, Anthropic Messages, Gemini). Implementations
 * are real HTTP clients of that protocol; credentials stay in the control plane. Failures are
 * {@link ModelProviderException}s. Results arrive on the caller's Vert.x context.
 */
public interface ModelProvider {

    /** The prefix of model ids this provider serves: {@code openai}, {@code anthropic}, {@code gemini}. */
    String name();

    Uni<ModelResponse> generate(ModelRequest request);

    /** Streams deltas, then exactly one {@link ModelEvent.Completed}. */
    Multi<ModelEvent> stream(ModelRequest request);
}
