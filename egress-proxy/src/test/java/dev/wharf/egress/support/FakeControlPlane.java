package dev.wharf.egress.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** The control plane's internal egress API as the proxy sees it: policy answers set by the test, logs collected. */
public final class FakeControlPlane implements AutoCloseable {

    public static final String TOKEN = "test-control-token-7d1c";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private volatile int policyStatus = 200;
    private volatile String policy = "{\"network\":\"disabled\"}";
    public final AtomicInteger policyCalls = new AtomicInteger();
    public volatile String lastSource;
    private final List<JsonNode> entries = new ArrayList<>();
    private final List<String> rawPosts = new ArrayList<>();
    /** Every rotated refresh token the proxy reported, as sent. */
    public final List<JsonNode> rotations = new java.util.concurrent.CopyOnWriteArrayList<>();

    public FakeControlPlane() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/internal/egress/policy", this::policy);
        server.createContext("/internal/egress/log", this::log);
        server.createContext("/internal/egress/oauth2/rotated", this::rotated);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/internal/egress";
    }

    /** Every source gets this answer until changed. */
    public void answer(String policyJson) {
        policyStatus = 200;
        policy = policyJson;
    }

    public void answerStatus(int status) {
        policyStatus = status;
    }

    private void policy(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            policyCalls.incrementAndGet();
            String query = exchange.getRequestURI().getQuery();
            lastSource = query == null ? null : query.replace("source=", "");
            int status = policyStatus;
            byte[] body = status == 200 ? policy.getBytes(StandardCharsets.UTF_8) : new byte[0];
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private void log(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            synchronized (entries) {
                rawPosts.add(body);
                JSON.readTree(body).get("entries").forEach(entries::add);
            }
            exchange.sendResponseHeaders(204, -1);
        }
    }

    private void rotated(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            rotations.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
        }
    }

    /** The first log entry matching, waiting for the proxy's next flushes. */
    public JsonNode awaitEntry(Predicate<JsonNode> match, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            synchronized (entries) {
                for (JsonNode e : entries) {
                    if (match.test(e)) {
                        return e;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no matching log entry within " + timeout + "; have " + entries());
    }

    public List<JsonNode> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    /** Everything the proxy posted, as sent. */
    public String allPosts() {
        synchronized (entries) {
            return String.join("\n", rawPosts);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
