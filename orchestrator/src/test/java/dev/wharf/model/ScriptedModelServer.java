package dev.wharf.model;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server (JDK {@code HttpServer} on 127.0.0.1 and a free port) that plays a model provider in
 * tests. Subclasses speak one protocol; this class owns the script and the recording:
 * <ul>
 * <li>Replies are taken from a queue ({@link #reply}, {@link #replyToolCall}, {@link #fail}, ...) in order.
 * When the queue is empty the {@link #respondWith responder}, if set, decides from the request body, which
 * suits conversation-dependent scripts. With neither, the server answers 500 "no scripted reply left", so a
 * test that calls the model more often than planned fails loudly.</li>
 * <li>Every request is recorded, body parsed, before it is answered ({@link #requests()},
 * {@link #recorded()}), so tests can assert what was sent.</li>
 * </ul>
 * Each request is served on its own thread, so a delayed reply does not hold up others. Thread-safe.
 */
public abstract class ScriptedModelServer<S extends ScriptedModelServer<S>> implements AutoCloseable {

    /** A request as the server received it. Header names are lower-case; {@code path} includes the query. */
    public record RecordedRequest(String method, String path, Map<String, String> headers, JsonObject body) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Token counts reported when a test sets none. */
    public static final Usage DEFAULT_USAGE = new Usage(10, 5, 0);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Deque<ScriptedReply> queue = new ArrayDeque<>();
    private final List<RecordedRequest> recorded = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile Function<JsonObject, ScriptedReply> responder;
    private volatile Usage usage = DEFAULT_USAGE;
    private volatile long chunkDelayMillis;
    private long pendingDelayMillis;

    protected ScriptedModelServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, getClass().getSimpleName());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URL to configure the provider under test with. */
    public abstract String baseUrl();

    // ---- script ------------------------------------------------------------------------------------

    /**
     * Forgets scripted replies, the responder, recorded requests, custom usage and chunk delay: a clean slate
     * per test when one server is shared by a whole test class (or a Quarkus test profile).
     */
    public synchronized S reset() {
        queue.clear();
        responder = null;
        usage = DEFAULT_USAGE;
        chunkDelayMillis = 0;
        pendingDelayMillis = 0;
        recorded.clear();
        return self();
    }

    /** Queues a plain text reply. */
    public S reply(String text) {
        return enqueue(ScriptedReply.text(text));
    }

    /** Queues a reply that is one tool call; {@code jsonArguments} is the arguments' JSON text. */
    public S replyToolCall(String name, String jsonArguments) {
        return enqueue(ScriptedReply.toolCall(name, jsonArguments));
    }

    /** Queues a reply with several (parallel) tool calls; build them with {@link ScriptedReply#call}. */
    public S replyToolCalls(ScriptedReply.ToolCall... calls) {
        return enqueue(ScriptedReply.toolCalls(calls));
    }

    /** Queues an error: the server answers {@code status} with {@code message} in the protocol's error envelope. */
    public S fail(int status, String message) {
        return enqueue(ScriptedReply.error(status, message));
    }

    /** The next reply queued after this call waits {@code millis} before answering (to test timeouts). */
    public synchronized S delay(long millis) {
        pendingDelayMillis = millis;
        return self();
    }

    /** Queues any reply. */
    public synchronized S enqueue(ScriptedReply reply) {
        if (pendingDelayMillis > 0 && reply.delayMillis() == 0) {
            reply = reply.withDelay(pendingDelayMillis);
        }
        pendingDelayMillis = 0;
        queue.add(reply);
        return self();
    }

    /** Answers requests the queue does not cover, computing each reply from the request body. */
    public S respondWith(Function<JsonObject, ScriptedReply> responder) {
        this.responder = responder;
        return self();
    }

    /** Token counts reported by replies that do not set their own; {@code output} excludes {@code thoughts}. */
    public S usage(long input, long output, long thoughts) {
        this.usage = new Usage(input, output, thoughts);
        return self();
    }

    /** Pause between streamed chunks, to make streams observable in time (default none). */
    public S chunkDelay(long millis) {
        this.chunkDelayMillis = millis;
        return self();
    }

    // ---- recording ---------------------------------------------------------------------------------

    /** Bodies of every request received, in order. */
    public List<JsonObject> requests() {
        return recorded.stream().map(RecordedRequest::body).toList();
    }

    /** The body of the most recent request; fails when none came. */
    public JsonObject lastRequest() {
        if (recorded.isEmpty()) {
            throw new IllegalStateException("no request received");
        }
        return recorded.get(recorded.size() - 1).body();
    }

    /** Every request received, with method, path and headers. */
    public List<RecordedRequest> recorded() {
        return List.copyOf(recorded);
    }

    public int requestCount() {
        return recorded.size();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- protocol hooks ----------------------------------------------------------------------------

    /** Whether this is an endpoint of the protocol. Others get 404. */
    protected abstract boolean accepts(String method, String path);

    /** Whether the client asked for a stream. */
    protected abstract boolean streaming(String path, String query, JsonObject request);

    /** The non-streamed reply body. */
    protected abstract JsonObject replyBody(JsonObject request, ScriptedReply reply, Usage usage);

    /** The streamed reply as raw SSE frames, each written and flushed separately. */
    protected abstract List<String> streamFrames(JsonObject request, ScriptedReply reply, Usage usage);

    /** The protocol's error envelope. */
    protected abstract JsonObject errorBody(int status, String message);

    /** A fresh number for response and tool-call ids. */
    protected int nextId() {
        return ids.incrementAndGet();
    }

    /** Splits text into pieces of at most {@code size} characters, as a model's stream would. */
    protected static List<String> pieces(String text, int size) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < text.length(); i += size) {
            pieces.add(text.substring(i, Math.min(text.length(), i + size)));
        }
        return pieces;
    }

    /** Splits text into {@code count} nearly equal pieces (fewer when the text is shorter). */
    protected static List<String> split(String text, int count) {
        if (text.length() <= 1) {
            return List.of(text);
        }
        int size = Math.max(1, (text.length() + count - 1) / count);
        return pieces(text, size);
    }

    // ---- serving -----------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            byte[] bytes = exchange.getRequestBody().readAllBytes();
            JsonObject body;
            try {
                body = bytes.length == 0 ? new JsonObject() : new JsonObject(new String(bytes, StandardCharsets.UTF_8));
            } catch (RuntimeException notJson) {
                writeJson(exchange, 400, errorBody(400, "request body is not a JSON object"));
                return;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0)));
            recorded.add(new RecordedRequest(exchange.getRequestMethod(), query == null ? path : path + "?" + query,
                    Map.copyOf(headers), body));
            if (!accepts(exchange.getRequestMethod(), path)) {
                writeJson(exchange, 404, errorBody(404, "no such endpoint: " + path));
                return;
            }
            ScriptedReply reply = next(body);
            if (reply == null) {
                writeJson(exchange, 500, errorBody(500, getClass().getSimpleName() + ": no scripted reply left"));
                return;
            }
            if (reply.delayMillis() > 0) {
                Thread.sleep(reply.delayMillis());
            }
            Usage replyUsage = reply.usage() != null ? reply.usage() : usage;
            if (reply.isError()) {
                writeJson(exchange, reply.status(), errorBody(reply.status(), reply.errorMessage()));
            } else if (streaming(path, query, body)) {
                writeStream(exchange, streamFrames(body, reply, replyUsage));
            } else {
                writeJson(exchange, 200, replyBody(body, reply, replyUsage));
            }
        } catch (InterruptedException closing) {
            Thread.currentThread().interrupt();
        } catch (IOException clientWentAway) {
            // The client reset the request (cancelled, or timed out): nothing left to answer.
        }
    }

    private synchronized ScriptedReply nextQueued() {
        return queue.poll();
    }

    private ScriptedReply next(JsonObject body) {
        ScriptedReply queued = nextQueued();
        if (queued != null) {
            return queued;
        }
        Function<JsonObject, ScriptedReply> current = responder;
        return current == null ? null : current.apply(body);
    }

    private static void writeJson(HttpExchange exchange, int status, JsonObject body) throws IOException {
        byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void writeStream(HttpExchange exchange, List<String> frames) throws IOException, InterruptedException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (String frame : frames) {
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (chunkDelayMillis > 0) {
                    Thread.sleep(chunkDelayMillis);
                }
            }
        }
    }
}
