package dev.wharf.egress.policy;

import java.util.List;
import java.util.Set;

/**
 * Text the sandbox holds in place of a secret; the proxy swaps in the value on its way to a trusted host.
 *
 * @param trustedDomains null: any host the allowlist lets through
 */
public record Placeholder(String text, String value, Set<Location> locations, List<HostPattern> trustedDomains) {

    /** {@code host} must already be normalized and allowed by the policy. */
    public boolean appliesTo(String host) {
        return trustedDomains == null || trustedDomains.stream().anyMatch(p -> p.matches(host));
    }

    @Override
    public String toString() {
        return "Placeholder[locations=" + locations + ", trustedDomains=" + trustedDomains + "]";
    }
}
