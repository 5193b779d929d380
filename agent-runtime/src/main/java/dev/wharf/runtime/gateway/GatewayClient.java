package dev.wharf.runtime.gateway;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runtime's side of the model gateway protocol: three JSON POSTs under the run's gateway URL,
 * authenticated with the run's own token. The control plane holds the conversation and the provider
 * credentials; this client only ever sees one run's turns.
 *
 * <p>It uses {@link HttpURLConnection} rather than {@code java.net.http.HttpClient} because the
 * latter keeps a selector thread per client alive until garbage collection, while this daemon
 * promises no threads when no run is active.
 *
 * <p>Cancelling: interrupt the calling thread, then call {@link #abortCurrentCall()}. The interrupt
 * stops backoff sleeps and is checked once a connection is registered; the abort closes a
 * connection already blocked in I/O, which an interrupt alone would not wake.
 */
public final class GatewayClient {

    /** How long connection failures are retried before the runtime gives up on the control plane. */
    public static final Duration DEFAULT_RETRY_WINDOW = Duration.ofSeconds(60);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A model turn with long reasoning can take minutes; beyond this the gateway is hung. */
    static final Duration MODEL_TIMEOUT = Duration.ofMinutes(10);
    static final Duration REPORT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** A model turn is text and tool arguments; anything larger is a broken gateway. */
    static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;

    public static final String MODEL = "/model";
    static final String TOOL_RESULTS = "/tool-results";
    static final String FINISH = "/finish";

    private static final System.Logger LOG = System.getLogger(GatewayClient.class.getName());

    private final String baseUrl;
    private final String authorization;
    private final Duration retryWindow;
    private volatile HttpURLConnection inFlight;

    /**
     * @param baseUrl     the run's gateway URL, without a trailing slash
     * @param retryWindow how long to keep retrying when the control plane cannot be reached
     */
    public GatewayClient(URI baseUrl, String token, Duration retryWindow) {
        this.baseUrl = baseUrl.toString();
        this.authorization = "Bearer " + token;
        this.retryWindow = retryWindow;
    }

    /** Asks for the next model turn, declaring the run's enabled built-in tools. */
    public ModelTurn nextTurn(List<Map<String, Object>> tools) throws IOException {
        Map<String, Object> answer = post(MODEL, Map.of("tools", tools), MODEL_TIMEOUT, false);
        try {
            return ModelTurn.fromJson(answer);
        } catch (IllegalArgumentException e) {
            throw new GatewayException(GatewayException.Reason.FAILED, MODEL, e.getMessage());
        }
    }

    public void reportToolResults(List<ToolReport> reports) throws IOException {
        List<Map<String, Object>> results = new ArrayList<>(reports.size());
        reports.forEach(report -> results.add(report.toJson()));
        post(TOOL_RESULTS, Map.of("results", results), REPORT_TIMEOUT, false);
    }

    /** The last call of a run. */
    public void finish(RunFinish finish) throws IOException {
        post(FINISH, finish.toJson(), REPORT_TIMEOUT, true);
    }

    /** Closes the connection of the call in progress, if any, so a blocked read fails at once. */
    public void abortCurrentCall() {
        HttpURLConnection connection = inFlight;
        if (connection != null) {
            connection.disconnect();
        }
    }

    /**
     * Connection failures are retried with exponential backoff for the retry window, counted from
     * the first failure. A retried request may repeat one the control plane did receive when the
     * connection broke after sending; error answers are never retried.
     */
    private Map<String, Object> post(String call, Map<String, Object> document, Duration timeout, boolean closing)
            throws IOException {
        byte[] body = JSON.std.asBytes(document);
        long giveUpAt = 0;
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                return exchange(call, body, timeout, closing);
            } catch (IOException e) {
                // A timeout is an InterruptedIOException too, but it is the gateway's silence, not a cancel.
                if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
                    throw e;
                }
                giveUpAt = retryOrGiveUp(call, e, giveUpAt, backoff);
                backoff = next(backoff);
            }
        }
    }

    /**
     * Sleeps before the next attempt, or gives up once the window since the first failure is over.
     *
     * @param giveUpAt 0 before the first failure
     * @return the give-up time, on the System.nanoTime clock
     */
    private long retryOrGiveUp(String call, IOException failure, long giveUpAt, Duration backoff)
            throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("the call to " + call + " was cancelled");
        }
        long now = System.nanoTime();
        long deadline = giveUpAt == 0 ? now + retryWindow.toNanos() : giveUpAt;
        long remaining = deadline - now;
        if (remaining <= 0) {
            throw new GatewayException(GatewayException.Reason.UNREACHABLE, call,
                    "the model gateway was unreachable for " + retryWindow.toSeconds() + " s: " + failure);
        }
        LOG.log(System.Logger.Level.DEBUG, "gateway " + call + " unreachable, retrying: " + failure);
        sleep(Math.min(backoff.toNanos(), remaining));
        return deadline;
    }

    private static Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    private Map<String, Object> exchange(String call, byte[] body, Duration timeout, boolean closing) throws IOException {
        // Straight to the control plane: a proxy configured for the sandbox's own traffic must not
        // see the run's token.
        HttpURLConnection connection = (HttpURLConnection) URI.create(baseUrl + call).toURL()
                .openConnection(Proxy.NO_PROXY);
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setInstanceFollowRedirects(false);
        connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        connection.setReadTimeout((int) timeout.toMillis());
        connection.setRequestProperty("Authorization", authorization);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setRequestProperty("Accept", "application/json");
        if (closing) {
            // Nothing follows, so no pooled connection (and keep-alive timer thread) should outlive the run.
            connection.setRequestProperty("Connection", "close");
        }
        connection.setFixedLengthStreamingMode(body.length);
        inFlight = connection;
        try {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("the call to " + call + " was cancelled");
            }
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
            int status = connection.getResponseCode();
            byte[] answer = readAnswer(call, status < 400 ? connection.getInputStream() : connection.getErrorStream());
            if (status / 100 != 2) {
                throw GatewayException.fromAnswer(call, status, answer);
            }
            return parse(call, answer);
        } finally {
            inFlight = null;
        }
    }

    private static byte[] readAnswer(String call, InputStream in) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (InputStream answer = in) {
            byte[] bytes = answer.readNBytes(MAX_ANSWER_BYTES + 1);
            if (bytes.length > MAX_ANSWER_BYTES) {
                throw new GatewayException(GatewayException.Reason.FAILED, call, "the gateway's answer is larger than "
                        + MAX_ANSWER_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private static Map<String, Object> parse(String call, byte[] answer) {
        if (answer.length == 0) {
            return Map.of();
        }
        try {
            Object parsed = JSON.std.anyFrom(answer);
            if (parsed instanceof Map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> object = (Map<String, Object>) parsed;
                return object;
            }
        } catch (IOException e) {
            // Reported below.
        }
        throw new GatewayException(GatewayException.Reason.FAILED, call, "the gateway's answer to " + call
                + " is not a JSON object");
    }

    private static void sleep(long nanos) throws InterruptedIOException {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("cancelled while waiting to retry the gateway");
        }
    }
}
