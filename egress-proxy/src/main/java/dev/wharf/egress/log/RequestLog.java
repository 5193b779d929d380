package dev.wharf.egress.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ships request records to the control plane in batches, on its own thread. Proxying never waits for it: the
 * buffer is bounded, the oldest records go first when it is full (counted and reported), and failed posts are retried
 * with backoff.
 */
public final class RequestLog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RequestLog.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 200;
    private static final long MAX_BACKOFF_MS = 30_000;

    private final HttpClient http;
    private final URI endpoint;
    private final String token;
    private final int capacity;
    private final long flushMillis;
    private final Duration timeout;
    private final ArrayDeque<RequestRecord> pending = new ArrayDeque<>();
    private final ScheduledExecutorService sender;
    private long dropped;
    private long backoffMs;
    private long nextAttemptAt;
    private boolean sendScheduled;
    private boolean closed;

    public RequestLog(HttpClient http, String baseUrl, String token, int capacity, long flushMillis, Duration timeout) {
        this.http = http;
        this.endpoint = URI.create((baseUrl.endsWith("/") ? baseUrl : baseUrl + "/") + "log");
        this.token = token;
        this.capacity = capacity;
        this.flushMillis = flushMillis;
        this.timeout = timeout;
        this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "egress-log");
            t.setDaemon(true);
            return t;
        });
        sender.scheduleWithFixedDelay(this::sendDue, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    }

    public void record(RequestRecord record) {
        boolean full;
        synchronized (pending) {
            if (pending.size() >= capacity) {
                pending.pollFirst();
                dropped++;
            }
            pending.addLast(record);
            full = pending.size() >= BATCH && !sendScheduled && !closed;
            if (full) {
                sendScheduled = true;
            }
        }
        if (full) {
            sender.execute(this::sendDue);
        }
    }

    /** Records waiting to be sent; for tests and diagnostics. */
    public int pendingCount() {
        synchronized (pending) {
            return pending.size();
        }
    }

    private void sendDue() {
        synchronized (pending) {
            sendScheduled = false;
        }
        if (System.currentTimeMillis() < nextAttemptAt) {
            return;
        }
        while (sendBatch()) {
            // keep draining while batches succeed and records remain
        }
    }

    /** @return whether another batch should follow at once */
    private boolean sendBatch() {
        List<RequestRecord> batch = new ArrayList<>();
        long droppedNow;
        synchronized (pending) {
            while (batch.size() < BATCH && !pending.isEmpty()) {
                batch.add(pending.pollFirst());
            }
            droppedNow = dropped;
            dropped = 0;
        }
        if (droppedNow > 0) {
            LOG.warning("egress log buffer full: dropped " + droppedNow + " oldest records");
        }
        if (batch.isEmpty()) {
            return false;
        }
        if (post(batch)) {
            backoffMs = 0;
            nextAttemptAt = 0;
            return true;
        }
        synchronized (pending) {
            for (int i = batch.size() - 1; i >= 0; i--) {
                if (pending.size() >= capacity) {
                    dropped++;
                    continue;
                }
                pending.addFirst(batch.get(i));
            }
        }
        backoffMs = backoffMs == 0 ? flushMillis : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        nextAttemptAt = System.currentTimeMillis() + backoffMs;
        return false;
    }

    private boolean post(List<RequestRecord> batch) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body(batch))))
                    .build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                return true;
            }
            LOG.warning("egress log post answered " + response.statusCode() + "; will retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "egress log post failed ({0}); will retry", e.getClass().getSimpleName());
        }
        return false;
    }

    static ObjectNode body(List<RequestRecord> batch) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode entries = root.putArray("entries");
        for (RequestRecord r : batch) {
            ObjectNode e = entries.addObject();
            e.put("environment_id", r.environmentId());
            e.put("source", r.source());
            e.put("time", DateTimeFormatter.ISO_INSTANT.format(r.time().truncatedTo(ChronoUnit.MILLIS)));
            e.put("method", r.method());
            e.put("scheme", r.scheme());
            e.put("host", r.host());
            e.put("port", r.port());
            e.put("path", r.path());
            e.put("decision", r.allowed() ? "allowed" : "denied");
            e.put("reason", r.reason());
            e.put("status", r.status());
            e.put("bytes_sent", r.bytesSent());
            e.put("bytes_received", r.bytesReceived());
            e.put("duration_ms", r.durationMs());
            e.put("intercepted", r.intercepted());
        }
        return root;
    }

    /** Sends what is left, trying until {@code deadline} has passed; records still unsent then are reported lost. */
    public void close(Duration deadline) {
        synchronized (pending) {
            closed = true;
        }
        sender.shutdown();
        try {
            sender.awaitTermination(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long until = System.currentTimeMillis() + deadline.toMillis();
        while (pendingCount() > 0 && System.currentTimeMillis() < until) {
            if (!sendBatch()) {
                if (pendingCount() == 0) {
                    break;
                }
                try {
                    Thread.sleep(Math.min(200, Math.max(0, until - System.currentTimeMillis())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        int lost = pendingCount();
        if (lost > 0) {
            LOG.warning("egress log: " + lost + " records could not be sent before shutdown");
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
