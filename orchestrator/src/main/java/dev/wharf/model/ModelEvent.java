package dev.wharf.model;

/** What a streaming model call emits: text and thought deltas as they arrive, then the assembled reply. */
public sealed interface ModelEvent {

    record TextDelta(String text) implements ModelEvent {
    }

    record ThoughtDelta(String text) implements ModelEvent {
    }

    /** Always last: the whole reply, tool calls assembled, with usage. */
    record Completed(ModelResponse response) implements ModelEvent {
    }
}
