package dev.wharf.credential;

/**
 * A secret value in plaintext, held only on its way from a request to being sealed, or from being opened to where
 * it is injected. It never prints: {@code toString} is redacted, so a record holding one can be logged safely.
 */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = java.util.Objects.requireNonNull(value);
    }

    /** The plaintext, for the one place that sends it. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "(secret)";
    }
}
