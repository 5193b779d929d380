package dev.wharf.runtime;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The control plane's model gateway as a scripted fake on a real HTTP port: {@code /model} answers
 * from a script, {@code /tool-results} and {@code /finish} are recorded. It can answer errors, be
 * slow, start late, and go away for a while in the middle of a run.
 */
public final class FakeGateway implements AutoCloseable {

    public static final String TOKEN = "gateway-test-token";
    private static final String RUNS_PREFIX = "/v1/runs/";

    /** The port to listen on again after going dark; 0 until first bound when any free one was asked for. */
    private volatile int port;
    private final ExecutorService handlers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fake-gateway");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger modelCalls = new AtomicInteger();
    private final List<Map<String, Object>> modelRequests = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> toolResults = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> finishes = new CopyOnWriteArrayList<>();
    private volatile IntFunction<Reply> script = call -> Reply.text("done");
    private volatile int darkAfterModelCall = -1;
    private volatile Duration darkFor = Duration.ZERO;
    private volatile HttpServer server;
    private volatile boolean closed;

    private FakeGateway(int port) {
        this.port = port;
    }

    public static FakeGateway start() {
        FakeGateway gateway = new FakeGateway(0);
        gateway.listen(0);
        return gateway;
    }

    /** A gateway whose port refuses connections until {@code delay} has passed. */
    public static FakeGateway startLater(Duration delay) {
        FakeGateway gateway = new FakeGateway(unusedPort());
        gateway.listenAfter(delay);
        return gateway;
    }

    /** A port nothing listens on (for as long as nobody else takes it). */
    public static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The nth {@code /model} call (from 1) gets the nth reply; calls beyond the list get text "done". */
    public FakeGateway script(Reply... replies) {
        List<Reply> list = List.of(replies);
        script = call -> call <= list.size() ? list.get(call - 1) : Reply.text("done");
        return this;
    }

    public FakeGateway script(IntFunction<Reply> replies) {
        script = replies;
        return this;
    }

    /** Right after answering model call {@code call}, stops listening for {@code duration}. */
    public FakeGateway unreachableAfterModelCall(int call, Duration duration) {
        darkAfterModelCall = call;
        darkFor = duration;
        return this;
    }

    public String runUrl(String runId) {
        return "http://127.0.0.1:" + port() + RUNS_PREFIX + runId;
    }

    public int port() {
        return port;
    }

    public int modelCalls() {
        return modelCalls.get();
    }

    public List<Map<String, Object>> modelRequests() {
        return List.copyOf(modelRequests);
    }

    /** The {@code results} of every {@code /tool-results} call, one list per call. */
    @SuppressWarnings("unchecked")
    public List<List<Map<String, Object>>> toolResultBatches() {
        List<List<Map<String, Object>>> batches = new ArrayList<>();
        toolResults.forEach(body -> batches.add((List<Map<String, Object>>) body.get("results")));
        return batches;
    }

    public List<Map<String, Object>> finishes() {
        return List.copyOf(finishes);
    }

    /** The one finish report; fails if there is none, or more than one. */
    public Map<String, Object> finish() {
        if (finishes.size() != 1) {
            throw new AssertionError("expected exactly one /finish call, got " + finishes);
        }
        return finishes.get(0);
    }

    @Override
    public void close() {
        closed = true;
        HttpServer current = server;
        if (current != null) {
            current.stop(0);
        }
        handlers.shutdownNow();
    }

    private void listen(int onPort) {
        try {
            HttpServer created = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 16);
            created.setExecutor(handlers);
            created.createContext("/", this::handle);
            created.start();
            server = created;
            port = created.getAddress().getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void listenAfter(Duration delay) {
        Thread starter = new Thread(() -> {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) {
                listen(port);
            }
        }, "fake-gateway-restart");
        starter.setDaemon(true);
        starter.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                send(exchange, Reply.error(401, "UNAUTHENTICATED", "bad gateway token"));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            Map<String, Object> body = JSON.std.mapFrom(exchange.getRequestBody().readAllBytes());
            if (path.endsWith("/model")) {
                int call = modelCalls.incrementAndGet();
                modelRequests.add(body);
                send(exchange, script.apply(call));
                if (call == darkAfterModelCall) {
                    goDark();
                }
            } else if (path.endsWith("/tool-results")) {
                toolResults.add(body);
                send(exchange, Reply.ok());
            } else if (path.endsWith("/finish")) {
                finishes.add(body);
                send(exchange, Reply.ok());
            } else {
                send(exchange, Reply.error(404, "NOT_FOUND", "no such gateway call: " + path));
            }
        }
    }

    /** Stops on another thread: stopping waits for exchanges, this one included. */
    private void goDark() {
        HttpServer current = server;
        Thread stopper = new Thread(() -> {
            current.stop(0);
            listenAfter(darkFor);
        }, "fake-gateway-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        if (!reply.delay().isZero()) {
            try {
                Thread.sleep(reply.delay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        byte[] bytes = JSON.std.asBytes(reply.body());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** One scripted answer. */
    public record Reply(int status, Map<String, Object> body, Duration delay) {

        /** A model turn made of these parts. */
        @SafeVarargs
        public static Reply turn(Map<String, Object>... parts) {
            boolean calls = List.of(parts).stream().anyMatch(part -> "tool_call".equals(part.get("type")));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("parts", List.of(parts));
            body.put("finish_reason", calls ? "tool_calls" : "stop");
            body.put("usage", Map.of("input_tokens", 10, "output_tokens", 5));
            return new Reply(200, body, Duration.ZERO);
        }

        public static Reply text(String text) {
            return turn(textPart(text));
        }

        public static Reply error(int status, String statusName, String message) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", status);
            error.put("message", message);
            error.put("status", statusName);
            return new Reply(status, Map.of("error", error), Duration.ZERO);
        }

        static Reply ok() {
            return new Reply(200, Map.of(), Duration.ZERO);
        }

        /** The same answer, sent only after {@code wait}. */
        public Reply after(Duration wait) {
            return new Reply(status, body, wait);
        }

        public static Map<String, Object> textPart(String text) {
            return Map.of("type", "text", "text", text);
        }

        public static Map<String, Object> toolCall(String id, String name, Map<String, Object> arguments) {
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("type", "tool_call");
            part.put("id", id);
            part.put("name", name);
            part.put("arguments", arguments);
            return part;
        }
    }
}
