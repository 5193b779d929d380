package dev.wharf.model;

/** Tokens one model call consumed, as the provider reported them. */
public record Usage(long inputTokens, long outputTokens, long thoughtTokens) {

    public static final Usage NONE = new Usage(0, 0, 0);

    public long total() {
        return inputTokens + outputTokens + thoughtTokens;
    }

    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                thoughtTokens + other.thoughtTokens);
    }
}
