package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import dev.wharf.egress.decision.Reason;
import dev.wharf.egress.inject.Injection;
import dev.wharf.egress.limit.SandboxQuotas;
import dev.wharf.egress.policy.AllowRule;
import dev.wharf.egress.policy.Policy;
import dev.wharf.egress.policy.PolicyAnswer;
import dev.wharf.egress.policy.PolicyClient;
import dev.wharf.egress.resolve.Destinations;
import dev.wharf.egress.resolve.IpLiterals;
import dev.wharf.egress.resolve.Resolution;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The destination checks, in their fixed order: network disabled, IP literal, allowlist (before any resolution, so a
 * name that is not listed is never even looked up), then resolution and the private-address refusal.
 */
public final class Routes {

    private final PolicyClient policies;
    private final Destinations destinations;
    private final SandboxQuotas quotas;

    public Routes(PolicyClient policies, Destinations destinations, SandboxQuotas quotas) {
        this.policies = policies;
        this.destinations = destinations;
        this.quotas = quotas;
    }

    /** Asks for the source's current policy, then decides. */
    CompletableFuture<Route> decide(InetAddress source, String host, int port) {
        return policies.fetch(source.getHostAddress()).thenCompose(answer -> {
            if (answer instanceof PolicyAnswer.UnknownSandbox) {
                return CompletableFuture.completedFuture(Route.refused(null, Denial.of(Reason.UNKNOWN_SANDBOX, host)));
            }
            if (answer instanceof PolicyAnswer.Known known) {
                Policy policy = known.policy();
                quotas.apply(source, policy.maxConnections(), policy.bandwidthBytesPerSecond());
                return within(policy, host, port);
            }
            return CompletableFuture.completedFuture(Route.refused(null, Denial.of(Reason.POLICY_UNAVAILABLE, host)));
        });
    }

    CompletableFuture<Route> within(Policy policy, String host, int port) {
        if (!policy.networkEnabled()) {
            return refused(policy, Reason.NETWORK_DISABLED, host);
        }
        if (IpLiterals.isLiteral(host)) {
            return refused(policy, Reason.IP_LITERAL, host);
        }
        Optional<AllowRule> rule = policy.ruleFor(host);
        if (rule.isEmpty()) {
            return refused(policy, Reason.NOT_ALLOWLISTED, host);
        }
        Injection injection = new Injection(rule.get(), policy.placeholdersFor(host));
        return destinations.resolve(host, port).thenApply(resolution -> {
            if (resolution instanceof Resolution.Reachable reachable) {
                return new Route(policy, null, injection, reachable.address());
            }
            return Route.refused(policy, Denial.of(((Resolution.Refused) resolution).reason(), host));
        });
    }

    /**
     * Whether a TLS server name may travel through a tunnel opened for {@code host}: it must be allowed by the very
     * entry that allowed the tunnel, or a sandbox could reach any name behind a shared front through one allowed one.
     *
     * @return null when it may; otherwise the denial
     */
    static Denial serverNameDenial(Policy policy, String host, String serverName) {
        if (serverName == null || serverName.equals(host)) {
            return null;
        }
        if (IpLiterals.isLiteral(serverName)) {
            return Denial.of(Reason.IP_LITERAL, serverName);
        }
        Optional<AllowRule> nameRule = policy.ruleFor(serverName);
        if (nameRule.isEmpty()) {
            return Denial.of(Reason.NOT_ALLOWLISTED, serverName);
        }
        if (nameRule.get() != policy.ruleFor(host).orElse(null)) {
            return new Denial(Reason.NOT_ALLOWLISTED, "the TLS server name " + serverName
                    + " is not covered by the allowlist entry that allowed the tunnel to " + host);
        }
        return null;
    }

    private static CompletableFuture<Route> refused(Policy policy, Reason reason, String host) {
        return CompletableFuture.completedFuture(Route.refused(policy, Denial.of(reason, host)));
    }
}
