package dev.wharf.egress.inject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.egress.policy.OAuth2Grant;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Refresh tokens an authorization server rotated: a token endpoint that answers a refresh-token grant with a new
 * {@code refresh_token} may refuse the old one from then on (and, with reuse detection, revoke the whole grant when it
 * comes back). The proxy uses the newest token for its next exchanges at once, and reports it to the control plane
 * ({@code POST {control}/oauth2/rotated}), which stores it in the credential; the next policy answer then carries it
 * (under a new cache key). A report is retried with backoff while the control plane cannot take it; one it refuses
 * (409: the credential changed meanwhile, or is gone) is dropped, as the user's change wins.
 */
public final class RefreshTokenRotations {

    private static final Logger LOG = Logger.getLogger(RefreshTokenRotations.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REMEMBERED = 10_000;
    private static final int ATTEMPTS = 8;
    private static final long FIRST_BACKOFF_MS = 500;

    private final HttpClient http;
    private final URI endpoint;
    private final String token;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    /** Per grant cache key: the newest refresh token the token endpoint issued for it. */
    private final Map<String, String> newest = new ConcurrentHashMap<>();

    public RefreshTokenRotations(HttpClient http, String baseUrl, String token, Duration timeout,
                                 ScheduledExecutorService timer) {
        this.http = http;
        this.endpoint = URI.create((baseUrl.endsWith("/") ? baseUrl : baseUrl + "/") + "oauth2/rotated");
        this.token = token;
        this.timeout = timeout;
        this.timer = timer;
    }

    /** The refresh token to exchange for this grant: the newest one issued, else the policy's. */
    public String current(OAuth2Grant grant) {
        return newest.getOrDefault(grant.cacheKey(), grant.refreshToken());
    }

    /** The token endpoint answered the exchange of {@code previous} with {@code next}. */
    public void rotated(OAuth2Grant grant, String previous, String next) {
        if (newest.size() >= MAX_REMEMBERED) {
            newest.clear();
        }
        newest.put(grant.cacheKey(), next);
        ObjectNode report = JSON.createObjectNode()
                .put("cache_key", grant.cacheKey())
                .put("previous_refresh_token", previous)
                .put("refresh_token", next);
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(report);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        send(grant.cacheKey(), body, 1);
    }

    private void send(String cacheKey, byte[] body, int attempt) {
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            int status = response == null ? 0 : response.statusCode();
            if (status == 204) {
                return;
            }
            if (status == 409 || status == 400) {
                LOG.log(Level.INFO, "rotated refresh token of {0} not stored: the credential changed or is gone"
                        + " ({1})", new Object[] {cacheKey, status});
                return;
            }
            String why = failure != null ? failure.getClass().getSimpleName() : "status " + status;
            if (attempt >= ATTEMPTS) {
                LOG.log(Level.WARNING, "rotated refresh token of {0} could not be stored ({1}); this proxy keeps"
                        + " using it until it restarts", new Object[] {cacheKey, why});
                return;
            }
            LOG.log(Level.WARNING, "rotated refresh token of {0} not stored yet ({1}); will retry",
                    new Object[] {cacheKey, why});
            timer.schedule(() -> send(cacheKey, body, attempt + 1), FIRST_BACKOFF_MS << (attempt - 1),
                    TimeUnit.MILLISECONDS);
        });
    }
}
