package dev.wharf.egress.policy;

import java.util.List;
import java.util.Optional;

/**
 * What one sandbox may reach, as the control plane answered for its source address.
 *
 * @param maxConnections null: the proxy's default
 * @param bandwidthBytesPerSecond null: the proxy's default; 0: unlimited
 */
public record Policy(String environmentId, String tenantId, boolean networkEnabled, List<AllowRule> allowlist,
                     List<Placeholder> placeholders, Integer maxConnections, Long bandwidthBytesPerSecond) {

    /** The most specific entry matching {@code host} (normalized): exact, then the longest wildcard, then *. */
    public Optional<AllowRule> ruleFor(String host) {
        AllowRule best = null;
        for (AllowRule rule : allowlist) {
            if (rule.domain().matches(host)
                    && (best == null || rule.domain().specificity() > best.domain().specificity())) {
                best = rule;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The placeholders whose value may go to {@code host} (normalized, and allowed by this policy). */
    public List<Placeholder> placeholdersFor(String host) {
        return placeholders.stream().filter(p -> p.appliesTo(host)).toList();
    }
}
