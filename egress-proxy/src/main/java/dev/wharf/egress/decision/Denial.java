package dev.wharf.egress.decision;

/** A refusal with the sentence shown to the sandbox; most use their reason's standard sentence. */
public record Denial(Reason reason, String sentence) {

    public static Denial of(Reason reason, String host) {
        return new Denial(reason, reason.sentence(host));
    }

    /** The response body: one line a person can read in a terminal. */
    public String body() {
        return "Wharf egress proxy: " + sentence + "\n";
    }
}
