package dev.wharf.runtime.browser;

import java.util.Optional;

/**
 * A page Chromium loaded.
 *
 * @param html   the document after its scripts ran
 * @param status the main document's HTTP status and reason ({@code 404 Not Found}), from the network log; empty when
 *               the log did not say (a {@code file:} page never has one, a killed browser may not have written it)
 */
public record LoadedPage(String html, Optional<String> status) {

    /** Whether the status says the server answered with something other than success. */
    public boolean unsuccessful() {
        return status.map(s -> !s.startsWith("2")).orElse(false);
    }
}
