package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import dev.wharf.egress.decision.Reason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.util.concurrent.CompletableFuture;

/**
 * Requests inside a CONNECT the proxy terminated: all go to the CONNECT's host under the decision made for it (its
 * policy reused, as the contract allows within one connection). A Host header naming another host is refused, so a
 * tunnel opened for one name cannot carry requests for another.
 */
final class FixedRouter implements Router {

    private final String scheme;
    private final String host;
    private final int port;
    private final Route route;
    private final Runnable onRecorded;

    /** @param scheme "https" when the sandbox spoke TLS inside the CONNECT (then so does the proxy upstream) */
    FixedRouter(String scheme, String host, int port, Route route, Runnable onRecorded) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.route = route;
        this.onRecorded = onRecorded;
    }

    @Override
    public RequestTarget target(HttpRequest request) throws RequestTarget.BadRequest {
        String uri = request.uri();
        String originForm;
        if (uri.startsWith("/")) {
            originForm = uri;
        } else if (uri.equals("*")) {
            originForm = "*";
        } else {
            RequestTarget absolute = RequestTarget.absolute(uri);
            originForm = absolute.originForm();
        }
        String authority = port == (scheme.equals("https") ? 443 : 80) ? host : host + ":" + port;
        return new RequestTarget(scheme, host, port, authority, originForm);
    }

    @Override
    public CompletableFuture<Route> route(RequestTarget target, HttpRequest request) {
        if (!route.allowed()) {
            return CompletableFuture.completedFuture(route);
        }
        String hostHeader = request.headers().get(HttpHeaderNames.HOST);
        String absoluteHost = null;
        if (!request.uri().startsWith("/") && !request.uri().equals("*")) {
            try {
                absoluteHost = RequestTarget.absolute(request.uri()).host();
            } catch (RequestTarget.BadRequest unreachable) {
                // target() already accepted it
            }
        }
        for (String named : new String[] {absoluteHost, hostOf(hostHeader)}) {
            if (named != null && !named.equals(host)) {
                return CompletableFuture.completedFuture(Route.refused(route.policy(), new Denial(
                        Reason.NOT_ALLOWLISTED, "this connection was opened for " + host + ", not " + named)));
            }
        }
        return CompletableFuture.completedFuture(route);
    }

    private static String hostOf(String hostHeader) {
        if (hostHeader == null) {
            return null;
        }
        try {
            return RequestTarget.authority(hostHeader.trim(), 1)[0];
        } catch (RequestTarget.BadRequest malformed) {
            return hostHeader;
        }
    }

    @Override
    public boolean intercepted() {
        return true;
    }

    @Override
    public void recorded() {
        onRecorded.run();
    }
}
