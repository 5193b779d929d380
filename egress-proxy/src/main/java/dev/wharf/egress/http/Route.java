package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import dev.wharf.egress.inject.Injection;
import dev.wharf.egress.policy.Policy;

import java.net.InetSocketAddress;

/**
 * The decision for one request or CONNECT: refused with a denial, or allowed to a checked address with what to inject.
 *
 * @param policy null when the control plane gave none
 */
record Route(Policy policy, Denial denial, Injection injection, InetSocketAddress address) {

    static Route refused(Policy policy, Denial denial) {
        return new Route(policy, denial, null, null);
    }

    boolean allowed() {
        return denial == null;
    }

    String environmentId() {
        return policy == null ? null : policy.environmentId();
    }
}
