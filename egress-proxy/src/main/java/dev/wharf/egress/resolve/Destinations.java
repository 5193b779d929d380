package dev.wharf.egress.resolve;

import dev.wharf.egress.decision.Reason;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Turns an allowed host name into an address the proxy may connect to. Operator-mapped names go where the operator
 * said; every other name is resolved by the proxy (never by the sandbox) and refused if any of its addresses is not
 * public, since a name that resolves both ways could be steered to the private one.
 */
public final class Destinations {

    private final HostMap hostMap;
    private final ResolveFile resolveFile;
    private final Executor blockingResolver;

    /**
     * @param resolveFile null: resolve with the system resolver
     * @param blockingResolver runs the system resolver's blocking look-ups; bounded, never an event loop
     */
    public Destinations(HostMap hostMap, ResolveFile resolveFile, Executor blockingResolver) {
        this.hostMap = hostMap;
        this.resolveFile = resolveFile;
        this.blockingResolver = blockingResolver;
    }

    /** {@code host} must already be normalized. */
    public CompletableFuture<Resolution> resolve(String host, int port) {
        if (IpLiterals.isLiteral(host)) {
            return CompletableFuture.completedFuture(new Resolution.Refused(Reason.IP_LITERAL));
        }
        var mapped = hostMap.lookup(host, port);
        if (mapped.isPresent()) {
            return CompletableFuture.completedFuture(new Resolution.Reachable(mapped.get()));
        }
        if (resolveFile != null) {
            return CompletableFuture.completedFuture(check(resolveFile.lookup(host), port));
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return check(Arrays.asList(InetAddress.getAllByName(host)), port);
                } catch (UnknownHostException e) {
                    return new Resolution.Refused(Reason.UNRESOLVABLE);
                }
            }, blockingResolver);
        } catch (RejectedExecutionException saturated) {
            return CompletableFuture.completedFuture(new Resolution.Refused(Reason.UNRESOLVABLE));
        }
    }

    private static Resolution check(List<InetAddress> addresses, int port) {
        if (addresses.isEmpty()) {
            return new Resolution.Refused(Reason.UNRESOLVABLE);
        }
        for (InetAddress address : addresses) {
            if (!PublicAddresses.isPublic(address)) {
                return new Resolution.Refused(Reason.PRIVATE_ADDRESS);
            }
        }
        return new Resolution.Reachable(new InetSocketAddress(addresses.get(0), port));
    }
}
