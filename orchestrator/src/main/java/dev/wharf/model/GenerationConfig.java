package dev.wharf.model;

import java.util.List;

/** Sampling settings; every field is optional and left to the provider's default when null. */
public record GenerationConfig(Double temperature, Double topP, Integer maxOutputTokens, List<String> stopSequences,
                               Long seed) {

    public static GenerationConfig defaults() {
        return new GenerationConfig(null, null, null, null, null);
    }
}
