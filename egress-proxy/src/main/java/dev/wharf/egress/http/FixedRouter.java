package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import dev.wharf.egress.decision.Reason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Requests inside a CONNECT the proxy terminated: all go to the CONNECT's host. A Host header naming another host is
 * refused, so a tunnel opened for one name cannot carry requests for another. Each request is decided afresh (the
 * contract would allow reusing the CONNECT's policy, but then a revoked credential or a narrowed allowlist would live
 * on in every kept-alive connection); a CONNECT that was denied stays denied.
 */
final class FixedRouter implements Router {

    private final String scheme;
    private final String host;
    private final int port;
    private final Route route;
    private final Routes routes;
    private final InetAddress source;
    private final Runnable onRecorded;

    /**
     * @param scheme "https" when the sandbox spoke TLS inside the CONNECT (then so does the proxy upstream)
     * @param route the CONNECT's decision
     */
    FixedRouter(String scheme, String host, int port, Route route, Routes routes, InetAddress source,
                Runnable onRecorded) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.route = route;
        this.routes = routes;
        this.source = source;
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
        return routes.decide(source, host, port);
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
