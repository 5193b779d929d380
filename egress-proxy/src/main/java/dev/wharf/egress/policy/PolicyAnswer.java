package dev.wharf.egress.policy;

/** The control plane's answer for one source address. */
public sealed interface PolicyAnswer {

    /** The source is a sandbox and this is its policy. */
    record Known(Policy policy) implements PolicyAnswer {
    }

    /** The control plane does not know the source (404). */
    record UnknownSandbox() implements PolicyAnswer {
    }

    /** No usable answer (timeout, error status, malformed body): requests are refused until there is one. */
    record Unavailable(String why) implements PolicyAnswer {
    }
}
