package dev.wharf.egress.resolve;

import dev.wharf.egress.decision.Reason;

import java.net.InetSocketAddress;

/** Where a checked name may be reached, or why it may not. */
public sealed interface Resolution {

    /** Connect to exactly this address: it was checked, and re-resolving would open a DNS-rebinding window. */
    record Reachable(InetSocketAddress address) implements Resolution {
    }

    record Refused(Reason reason) implements Resolution {
    }
}
