package dev.wharf.egress.http;

import io.netty.handler.codec.http.HttpRequest;

import java.util.concurrent.CompletableFuture;

/** How an {@link ExchangeHandler} learns where each of its requests goes and whether it may. */
interface Router {

    /** @throws RequestTarget.BadRequest for a request the proxy will not handle at all (answered 400) */
    RequestTarget target(HttpRequest request) throws RequestTarget.BadRequest;

    CompletableFuture<Route> route(RequestTarget target, HttpRequest request);

    /** Whether these requests arrived inside a CONNECT the proxy terminated (as the log reports). */
    boolean intercepted();

    /** Told of every request that gets its own log record. */
    default void recorded() {
    }
}
