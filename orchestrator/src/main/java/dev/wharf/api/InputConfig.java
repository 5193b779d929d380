package dev.wharf.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Bounds on what a request may carry before any service sees it. Every JSON body of the public and admin API is read
 * under these (see {@link RequestJson}); a body over a bound is refused with the error envelope, never half-read.
 */
@ConfigMapping(prefix = "wharf.api.input")
public interface InputConfig {

    /** Largest JSON request body (k, m, g suffixes); larger ones answer 413. File uploads have their own limit. */
    @WithDefault("20m")
    MemorySize maxBodySize();

    /** Deepest nesting of objects and arrays a JSON body may have. */
    @WithDefault("64")
    int maxNestingDepth();

    /** Longest single JSON string, in characters (inline images and sources are strings, so this is generous). */
    @WithDefault("20000000")
    int maxStringLength();

    /** Longest JSON number, in digits; numbers within it but out of a field's range are refused by the field. */
    @WithDefault("64")
    int maxNumberLength();
}
