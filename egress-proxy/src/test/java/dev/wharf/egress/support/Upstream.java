package dev.wharf.egress.support;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A local web server standing in for the internet: records what arrives, answers what the test says. */
public final class Upstream implements AutoCloseable {

    /** What the upstream received, as it received it. */
    public record Received(String method, String uri, Headers headers, String body) {
        public String header(String name) {
            return headers.getFirst(name);
        }
    }

    public record Reply(int status, Map<String, String> headers, byte[] body) {
        public static Reply text(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "text/plain"), body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final HttpServer server;
    public final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final Map<String, Function<Received, Reply>> routes = new ConcurrentHashMap<>();

    private Upstream(HttpServer server, String name) {
        this.server = server;
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        routes.put("/", r -> Reply.text(200, "hello from " + name));
        server.start();
    }

    public static Upstream http(String name) throws IOException {
        return new Upstream(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), name);
    }

    public static Upstream https(String name, SSLContext context) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        return new Upstream(server, name);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Answers requests whose path starts with {@code prefix} (longest prefix wins). */
    public void route(String prefix, Function<Received, Reply> reply) {
        routes.put(prefix, reply);
    }

    public Received next() throws InterruptedException {
        Received r = received.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the upstream received nothing");
        }
        return r;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Headers copy = new Headers();
            copy.putAll(exchange.getRequestHeaders());
            Received r = new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), copy, body);
            received.add(r);
            String path = exchange.getRequestURI().getPath();
            String best = routes.keySet().stream().filter(path::startsWith)
                    .max(java.util.Comparator.comparingInt(String::length)).orElse("/");
            Reply reply = routes.get(best).apply(r);
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            exchange.getResponseBody().write(reply.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
