package dev.wharf.egress.decision;

/**
 * Why the proxy refused (or could not complete) a request: the {@code reason} codes of the log contract, the
 * status a client is answered with, and the sentence that tells a person in the sandbox what happened.
 */
public enum Reason {
    NOT_ALLOWLISTED("not_allowlisted", 403, "%s is not in this environment's allowlist"),
    NETWORK_DISABLED("network_disabled", 403, "network access is disabled for this environment"),
    IP_LITERAL("ip_literal", 403, "IP addresses are not allowed (%s); use a host name"),
    PRIVATE_ADDRESS("private_address", 403, "%s resolves to a private or loopback address"),
    UNRESOLVABLE("unresolvable", 403, "%s could not be resolved"),
    UNKNOWN_SANDBOX("unknown_sandbox", 403, "this address is not a known Wharf sandbox"),
    POLICY_UNAVAILABLE("policy_unavailable", 503,
            "the control plane could not be asked for this environment's policy; try again shortly"),
    CONNECTION_LIMIT("connection_limit", 429, "too many connections from this sandbox"),
    /** Not a refusal: the request was allowed but its upstream could not be reached. */
    UPSTREAM_ERROR("upstream_error", 502, "could not reach %s");

    private final String code;
    private final int status;
    private final String sentence;

    Reason(String code, int status, String sentence) {
        this.code = code;
        this.status = status;
        this.sentence = sentence;
    }

    /** The wire code, as the log contract spells it. */
    public String code() {
        return code;
    }

    /** The HTTP status a client is answered with. */
    public int status() {
        return status;
    }

    /** The standard sentence for this reason about {@code host} (ignored where the sentence names no host). */
    public String sentence(String host) {
        return String.format(sentence, host);
    }
}
