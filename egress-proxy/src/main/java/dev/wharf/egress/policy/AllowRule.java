package dev.wharf.egress.policy;

import java.util.List;
import java.util.Map;

/**
 * One allowlist entry: the hosts it lets through, and what is set on every request to them.
 *
 * @param headers set (replacing any the sandbox sent) in this order, so a later pair wins
 * @param oauth2 null when no token is exchanged
 */
public record AllowRule(HostPattern domain, List<Map.Entry<String, String>> headers, OAuth2Grant oauth2) {

    /** Whether requests to this rule's hosts must be decrypted to be changed. */
    public boolean rewritesRequests() {
        return !headers.isEmpty() || oauth2 != null;
    }

    @Override
    public String toString() {
        return "AllowRule[domain=" + domain + ", headers=" + headers.stream().map(Map.Entry::getKey).toList()
                + ", oauth2=" + oauth2 + "]";
    }
}
