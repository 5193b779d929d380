package dev.wharf.egress.http;

import io.netty.handler.codec.http.HttpRequest;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/** Plain forward-proxy requests: the target names the host, and the policy is asked afresh for each one. */
final class ForwardRouter implements Router {

    private final Routes routes;
    private final InetAddress source;

    ForwardRouter(Routes routes, InetAddress source) {
        this.routes = routes;
        this.source = source;
    }

    @Override
    public RequestTarget target(HttpRequest request) throws RequestTarget.BadRequest {
        String uri = request.uri();
        if (uri.startsWith("/") || uri.equals("*")) {
            throw new RequestTarget.BadRequest("this is an egress proxy, not a web server: send it proxy requests"
                    + " (absolute URLs, as HTTP_PROXY and HTTPS_PROXY make clients do)");
        }
        RequestTarget target = RequestTarget.absolute(uri);
        if (target.scheme().equals("https")) {
            throw new RequestTarget.BadRequest("https:// URLs go through CONNECT; set HTTPS_PROXY to this proxy");
        }
        return target;
    }

    @Override
    public CompletableFuture<Route> route(RequestTarget target, HttpRequest request) {
        return routes.decide(source, target.host(), target.port());
    }

    @Override
    public boolean intercepted() {
        return false;
    }
}
