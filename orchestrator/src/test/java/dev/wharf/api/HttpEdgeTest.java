package dev.wharf.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.model.ScriptedReply;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The HTTP edge against the real server on loopback: slow and broken clients are cut off within the configured
 * limits while other clients are served, long-lived answers (event streams, a synchronous agent create) outlive
 * the idle timeout, odd HTTP versions and wrong methods get their statuses, and handed-out URLs come from
 * configuration, not the Host header. The limits are shrunk to 2 s for this class only (a test profile restarts
 * the application for it).
 */
@QuarkusTest
@TestProfile(HttpEdgeTest.ShortLimits.class)
class HttpEdgeTest {
    private static final Duration LIMIT = Duration.ofSeconds(2);
    private static final int CAP = 12;
    private static final String PUBLIC_URL = "http://wharf-public.test:9000";
    private static final String KEY = TestTenants.DEFAULT_KEY;

    public static class ShortLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "wharf.http.header-timeout", "2s",
                    "wharf.http.body-idle-timeout", "2s",
                    "wharf.http.idle-timeout", "2s",
                    "wharf.http.max-connections-per-address", String.valueOf(CAP),
                    "wharf.http.sse-heartbeat", "500ms",
                    "wharf.public-url", PUBLIC_URL);
        }
    }

    @TestHTTPResource("/")
    URL app;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    // ---- slow and broken clients ------------------------------------------------------------------------------

    @Test
    void partialHeadersThenSilenceAreClosedAtTheHeaderDeadline() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /q/health HTTP/1.1\r\nHost: localhost\r\nAccept: ");
            assertClosedWithinLimit(socket);
        }
    }

    @Test
    void headersTrickledInAreCutAtTheDeadlineThoughBytesKeepComing() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /q/health HTTP/1.1\r\nHost: localhost\r\n");
            long start = System.nanoTime();
            socket.setSoTimeout(250);
            // One header byte every 250 ms would keep a connection alive forever under a plain idle timeout.
            for (int i = 0; i < 40; i++) {
                try {
                    send(socket, "X");
                    if (socket.getInputStream().read() < 0) {
                        break;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    continue;
                } catch (IOException closed) {
                    break;
                }
            }
            assertClosedWithinLimit(socket, start);
        }
    }

    @Test
    void aBodyShorterThanItsContentLengthIsClosedAfterTheBodyPause() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "POST /v1/interactions HTTP/1.1\r\nHost: localhost\r\nx-goog-api-key: " + KEY + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"model\": \"openai/x\", ");
            assertClosedWithinLimit(socket);
        }
    }

    @Test
    void garbageBytesAreAnswered400OrClosedBeforeAnyDeadline() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, (byte) 0xfc, '\r', '\n',
                    'n', 'o', 't', ' ', 'h', 't', 't', 'p', '\r', '\n', '\r', '\n'});
            socket.getOutputStream().flush();
            socket.setSoTimeout((int) (LIMIT.toMillis() / 2));
            String answer;
            try {
                answer = readAll(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                throw new AssertionError("garbage was neither refused nor closed before the header deadline", e);
            }
            assertTrue(answer.isEmpty() || answer.matches("(?s)HTTP/1\\.[01] 400 .*"), "answer to garbage: " + answer);
        }
    }

    @Test
    void otherClientsAreServedWhileSlowConnectionsAreOpen() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < CAP / 2; i++) {
                Socket socket = connect();
                slow.add(socket);
                send(socket, "GET /v1/interactions HTTP/1.1\r\nHost: localhost\r\n");
            }
            HttpResponse<String> answer = http.send(api("/v1/interactions?page_size=1").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            assertNotNull(new JsonObject(answer.body()).getJsonArray("interactions"));
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void oneAddressMayHoldOnlyItsShareOfConnections() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < CAP + 1; i++) {
                open.add(connect());
            }
            // Some connection past the cap (other clients on this address may hold a few) is answered 429 and closed.
            String refusal = null;
            for (Socket socket : open) {
                socket.setSoTimeout(300);
                try {
                    String answer = readAll(socket.getInputStream());
                    if (answer.startsWith("HTTP/1.1 429")) {
                        refusal = answer;
                        break;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // an admitted connection, waiting for its request
                }
            }
            assertNotNull(refusal, "none of " + (CAP + 1) + " connections from one address was refused");
            JsonObject error = new JsonObject(refusal.substring(refusal.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
            assertEquals(429, error.getInteger("code"));
            assertEquals("RESOURCE_EXHAUSTED", error.getString("status"));
            assertTrue(refusal.contains("\r\nRetry-After: 1\r\n"), refusal);
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
        // Closed connections no longer count: service resumes.
        assertEquals(200, awaitServed());
    }

    @Test
    void http99IsAnswered505() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /q/health HTTP/9.9\r\nHost: localhost\r\n\r\n");
            socket.setSoTimeout((int) LIMIT.toMillis() * 3);
            String answer = readAll(socket.getInputStream());
            if (!answer.isEmpty()) {
                assertTrue(answer.startsWith("HTTP/1.1 505"), "answer to HTTP/9.9: " + answer);
                JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
                assertEquals(505, error.getInteger("code"));
            }
        }
    }

    // ---- long-lived answers -----------------------------------------------------------------------------------

    @Test
    void anEventStreamAndASynchronousCreateOutliveTheIdleTimeout() throws Exception {
        scriptGatedAgent();
        String input = "edge-" + System.nanoTime();
        java.util.Set<String> before = interactionIds();
        CompletableFuture<HttpResponse<String>> create = http.sendAsync(api("/v1/interactions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("agent", "default").put("input", input)
                        .put("agent_config", new JsonObject().put("type", "dynamic").put("model", "openai/edge-model"))
                        .encode())).build(), HttpResponse.BodyHandlers.ofString());
        String id = awaitNewInteraction(before);
        String environment = awaitRunning(id);

        HttpResponse<InputStream> stream = http.send(api("/v1/interactions/" + id + "?stream=true").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            // Past 2.5 idle timeouts with the agent still waiting: the stream stays open, with heartbeats.
            long quietUntil = System.nanoTime() + LIMIT.toNanos() * 5 / 2;
            int heartbeats = 0;
            String line;
            while (System.nanoTime() < quietUntil && (line = lines.readLine()) != null) {
                if (line.startsWith(": keep-alive")) {
                    heartbeats++;
                }
            }
            assertTrue(System.nanoTime() >= quietUntil, "the event stream ended while the agent was still working");
            assertTrue(heartbeats >= 3, "heartbeats on a silent stream: " + heartbeats);
            assertTrue(!create.isDone(), "the synchronous create is still waiting for its agent");

            HttpResponse<String> released = http.send(api("/v1/environments/" + environment + ":exec")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"command\": \"touch go\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, released.statusCode(), released.body());
            boolean completed = false;
            while (!completed && (line = lines.readLine()) != null) {
                completed = line.startsWith("event: interaction.completed");
            }
            assertTrue(completed, "the stream delivered the completion after the wait");
        }
        HttpResponse<String> answer = create.get(90, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("completed", new JsonObject(answer.body()).getString("status"));
        http.send(api("/v1/environments/" + environment).DELETE().build(), HttpResponse.BodyHandlers.discarding());
    }

    // ---- URLs the server hands out ----------------------------------------------------------------------------

    @Test
    void theUploadUrlComesFromThePublicUrlNotTheHostHeader() throws Exception {
        HttpResponse<String> created = http.send(api("/v1/environments").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode(), created.body());
        String environment = new JsonObject(created.body()).getString("id");
        try (Socket socket = connect()) {
            send(socket, "PUT /upload/v1beta/environments/" + environment + "/files/notes.txt HTTP/1.1\r\n"
                    + "Host: evil.example\r\nX-Forwarded-Host: evil.example\r\nx-goog-api-key: " + KEY + "\r\n"
                    + "X-Goog-Upload-Protocol: resumable\r\nX-Goog-Upload-Command: start\r\n"
                    + "X-Goog-Upload-Header-Content-Length: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket.setSoTimeout(10_000);
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            String url = header(answer, "X-Goog-Upload-URL");
            assertTrue(url.startsWith(PUBLIC_URL + "/upload/v1beta/environments/" + environment + "/files/notes.txt?upload_id="),
                    "upload URL: " + url);
        } finally {
            http.send(api("/v1/environments/" + environment).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    // ---- methods ----------------------------------------------------------------------------------------------

    @Test
    void knownPathsAnswerWrongMethods405WithAllow() throws Exception {
        assertMethodNotAllowed("PUT", "/v1/interactions", "GET, POST");
        assertMethodNotAllowed("PATCH", "/v1beta/interactions/some-id", "DELETE, GET");
        assertMethodNotAllowed("GET", "/v1/interactions/some-id/cancel", "POST");
        assertMethodNotAllowed("DELETE", "/upload/v1/environments/some-env/files/a.txt", "POST, PUT");
        assertMethodNotAllowed("PUT", "/v1/agents", "GET", "POST");
        assertMethodNotAllowed("DELETE", "/v1/usage", "GET");
        assertMethodNotAllowed("PUT", "/v1/environments/some-env/files/a.txt", "GET");

        HttpResponse<String> unknown = http.send(api("/v1/no-such-thing").method("PUT",
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode(), "unknown paths stay 404");
    }

    @Test
    void platformEndpointsTakeOnlyGetAndHead() throws Exception {
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(app.toURI().resolve("/q/health"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode(), post.body());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        assertEquals(405, new JsonObject(post.body()).getJsonObject("error").getInteger("code"));

        try (Socket socket = connect()) {
            send(socket, "TRACE /q/health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            socket.setSoTimeout(10_000);
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 405"), "TRACE answered: " + answer);
        }
        // With the admin key, so the method is what is refused (without one, the missing key is, first).
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(app.toURI().resolve("/q/metrics"))
                .header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY)
                .method("DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, metrics.statusCode());

        HttpResponse<String> get = http.send(HttpRequest.newBuilder(app.toURI().resolve("/q/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, get.statusCode(), get.body());
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private void assertMethodNotAllowed(String method, String path, String... allowed) throws Exception {
        HttpResponse<String> answer = http.send(api(path).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, answer.statusCode(), method + " " + path + ": " + answer.body());
        String allow = answer.headers().firstValue("Allow").orElse("");
        for (String one : allowed) {
            assertTrue(allow.contains(one), method + " " + path + " Allow: " + allow);
        }
        assertTrue(!allow.contains(method), method + " " + path + " Allow lists the refused method: " + allow);
        JsonObject error = new JsonObject(answer.body()).getJsonObject("error");
        assertEquals(405, error.getInteger("code"));
        assertEquals("INVALID_ARGUMENT", error.getString("status"));
    }

    private HttpRequest.Builder api(String path) throws Exception {
        return HttpRequest.newBuilder(app.toURI().resolve(path)).timeout(Duration.ofSeconds(120))
                .header(TestTenants.KEY_HEADER, KEY);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), app.getPort());
        socket.setSoTimeout((int) LIMIT.toMillis() * 3);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void assertClosedWithinLimit(Socket socket) throws IOException {
        assertClosedWithinLimit(socket, System.nanoTime());
    }

    /** Closed by the server no sooner than most of the limit after {@code since} and within three limits. */
    private static void assertClosedWithinLimit(Socket socket, long since) throws IOException {
        socket.setSoTimeout((int) Math.max(1, LIMIT.toMillis() * 3 - elapsedMillis(since)));
        try {
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 4"), "answer before closing: " + answer);
        } catch (SocketTimeoutException e) {
            fail("the connection was still open " + LIMIT.multipliedBy(3) + " later");
        } catch (IOException reset) {
            // closed with a reset: closed all the same
        }
        long elapsed = elapsedMillis(since);
        assertTrue(elapsed >= LIMIT.toMillis() * 3 / 4, "closed after only " + elapsed + " ms");
    }

    private static long elapsedMillis(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    /** Everything until the server closes (a bounded read: the socket has a timeout). */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int read;
        while ((read = in.read(buffer)) >= 0) {
            bytes.write(buffer, 0, read);
            if (bytes.size() > 1 << 20) {
                break;
            }
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    private static String header(String response, String name) {
        for (String line : response.substring(0, response.indexOf("\r\n\r\n")).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " header in " + response);
    }

    private int awaitServed() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return http.send(api("/v1/interactions?page_size=1").GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException refused) {
                if (System.nanoTime() > until) {
                    throw refused;
                }
                Thread.sleep(200);
            }
        }
    }

    /** The agent waits for a file named go in its workspace; the test writes it to let the run finish. */
    private static void scriptGatedAgent() {
        var model = ScriptedModel.server();
        model.reset();
        model.respondWith(request -> {
            JsonArray messages = request.getJsonArray("messages");
            JsonObject last = messages.getJsonObject(messages.size() - 1);
            if (request.getValue("tools") == null || "tool".equals(last.getString("role"))) {
                return ScriptedReply.text("released");
            }
            return ScriptedReply.toolCall("execute_code", new JsonObject().put("language", "bash")
                    .put("code", "while [ ! -f go ]; do sleep 0.2; done; echo released").encode());
        });
    }

    private java.util.Set<String> interactionIds() throws Exception {
        JsonArray page = new JsonObject(http.send(api("/v1/interactions?page_size=100").GET().build(),
                HttpResponse.BodyHandlers.ofString()).body()).getJsonArray("interactions");
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; page != null && i < page.size(); i++) {
            ids.add(page.getJsonObject(i).getString("id"));
        }
        return ids;
    }

    /** The interaction a synchronous create made: it answers only when done, so find it in the list. */
    private String awaitNewInteraction(java.util.Set<String> before) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            java.util.Set<String> now = interactionIds();
            now.removeAll(before);
            if (!now.isEmpty()) {
                return now.iterator().next();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the synchronous create's interaction did not appear");
    }

    private String awaitRunning(String id) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < until) {
            JsonObject now = new JsonObject(http.send(api("/v1/interactions/" + id).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if ("in_progress".equals(now.getString("status")) && now.getString("environment_id") != null) {
                return now.getString("environment_id");
            }
            assertTrue(List.of("queued", "in_progress").contains(now.getString("status")), now.encode());
            Thread.sleep(200);
        }
        throw new AssertionError("interaction " + id + " did not start running");
    }
}
