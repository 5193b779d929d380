package dev.wharf.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A webhook endpoint on 127.0.0.1 that checks the Standard Webhooks signature the way a customer's endpoint
 * would (HMAC-SHA256 over id.timestamp.body with the webhook's secret, and a fresh timestamp) and records what it
 * got. Freshness is judged by the platform's clock, which some tests move; in production it is the wall clock.
 */
public final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final Clock platformClock;
    private final List<Delivery> deliveries = new ArrayList<>();
    private final java.util.Deque<Integer> answers = new java.util.ArrayDeque<>();
    private volatile Integer alwaysAnswer;
    private volatile String secret;

    /** One request the receiver got, and why its signature was refused (null when it checked out). */
    public record Delivery(Map<String, String> headers, String body, String problem) {
        public String header(String name) {
            return headers.get(name);
        }

        /** The body, after asserting the signature checked out. */
        public JsonObject verifiedBody() {
            assertEquals(null, problem, "signature verification");
            assertEquals("application/json", header("content-type"));
            return new JsonObject(body);
        }
    }

    public WebhookReceiver(Clock platformClock) throws IOException {
        this.platformClock = platformClock;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            String problem = verify(headers, body);
            int status;
            synchronized (this) {
                deliveries.add(new Delivery(headers, body, problem));
                status = problem != null ? 401
                        : alwaysAnswer != null ? alwaysAnswer : answers.isEmpty() ? 200 : answers.poll();
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    public String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The signing secret (whsec_...) the webhook was created with. */
    public void secret(String secret) {
        this.secret = secret;
    }

    /** The statuses to answer the next deliveries with, in order (then 200 again). */
    public synchronized void answerNext(int... statuses) {
        for (int status : statuses) {
            answers.add(status);
        }
    }

    /** Answers every delivery with {@code status} from now on (null: back to 200 and the scripted answers). */
    public void alwaysAnswer(Integer status) {
        this.alwaysAnswer = status;
    }

    public synchronized List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** Waits (up to 20 s) until {@code count} deliveries have arrived, and returns them all. */
    public List<Delivery> await(int count) {
        return await(count, delivery -> true);
    }

    /** Waits (up to 20 s) until {@code count} deliveries matching {@code which} have arrived, and returns them. */
    public List<Delivery> await(int count, Predicate<Delivery> which) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            List<Delivery> matching = deliveries().stream().filter(which).toList();
            if (matching.size() >= count) {
                return matching;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + count + " webhook deliveries; got " + matching);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private String verify(Map<String, String> headers, String body) {
        String id = headers.get("webhook-id");
        String timestamp = headers.get("webhook-timestamp");
        String signature = headers.get("webhook-signature");
        String key = secret;
        if (id == null || timestamp == null || signature == null || key == null) {
            return "missing webhook headers or secret";
        }
        if (Math.abs(platformClock.instant().getEpochSecond() - Long.parseLong(timestamp)) > 300) {
            return "timestamp too far from now";
        }
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(
                    java.util.Base64.getDecoder().decode(key.substring("whsec_".length())), "HmacSHA256"));
            String expected = "v1," + java.util.Base64.getEncoder().encodeToString(
                    mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
            for (String candidate : signature.split(" ")) {
                if (java.security.MessageDigest.isEqual(candidate.getBytes(StandardCharsets.UTF_8),
                        expected.getBytes(StandardCharsets.UTF_8))) {
                    return null;
                }
            }
            return "signature mismatch";
        } catch (java.security.GeneralSecurityException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
