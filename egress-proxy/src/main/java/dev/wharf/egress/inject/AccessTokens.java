package dev.wharf.egress.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.egress.policy.OAuth2Grant;
import dev.wharf.egress.upstream.OneShotClient;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Access tokens obtained with OAuth2 refresh-token grants, cached per the policy's cache key (which changes when the
 * credential does). Concurrent requests for one key share a single exchange. A new refresh token in the answer
 * (rotation) is used for the next exchange and handed to {@link RefreshTokenRotations}.
 */
public final class AccessTokens {

    private static final Logger LOG = Logger.getLogger(AccessTokens.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A token is replaced this long before it expires, so it does not lapse on its way to the upstream. */
    private static final Duration EARLY = Duration.ofSeconds(30);
    /** How long a token without {@code expires_in} is trusted. */
    private static final Duration UNSTATED_LIFETIME = Duration.ofMinutes(5);
    private static final int MAX_CACHED = 10_000;

    private final OneShotClient client;
    private final RefreshTokenRotations rotations;
    private final Clock clock;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    private record Entry(CompletableFuture<Token> token) {
    }

    /** @param expiresAt when the cached token stops being used */
    public record Token(String value, Instant expiresAt) {
        @Override
        public String toString() {
            return "Token[expiresAt=" + expiresAt + "]";
        }
    }

    public AccessTokens(OneShotClient client, RefreshTokenRotations rotations, Clock clock) {
        this.client = client;
        this.rotations = rotations;
        this.clock = clock;
    }

    public CompletableFuture<Token> token(OAuth2Grant grant) {
        Entry fresh = new Entry(new CompletableFuture<>());
        Entry entry = cache.compute(grant.cacheKey(), (key, current) -> {
            if (current != null && usable(current.token())) {
                return current;
            }
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            return fresh;
        });
        if (entry == fresh) {
            // Started outside compute(): an exchange that fails at once must not update the map from inside it.
            exchange(grant).whenComplete((token, failure) -> {
                if (failure != null) {
                    LOG.warning("OAuth2 token exchange for " + grant.cacheKey() + " failed: " + rootMessage(failure));
                    cache.remove(grant.cacheKey(), fresh); // not cached: the next request tries again
                    fresh.token().completeExceptionally(failure);
                } else {
                    fresh.token().complete(token);
                }
            });
        }
        return entry.token();
    }

    /** The upstream refused {@code rejected}: forget it, unless a concurrent request already replaced it. */
    public void invalidate(OAuth2Grant grant, Token rejected) {
        cache.computeIfPresent(grant.cacheKey(), (key, current) ->
                current.token().isDone() && !current.token().isCompletedExceptionally()
                        && current.token().join() == rejected ? null : current);
    }

    private boolean usable(CompletableFuture<Token> token) {
        if (!token.isDone()) {
            return true;
        }
        return !token.isCompletedExceptionally() && token.join().expiresAt().isAfter(clock.instant());
    }

    private CompletableFuture<Token> exchange(OAuth2Grant grant) {
        StringBuilder form = new StringBuilder("grant_type=refresh_token");
        String refreshToken = rotations.current(grant);
        field(form, "refresh_token", refreshToken);
        field(form, "client_id", grant.clientId());
        field(form, "client_secret", grant.clientSecret());
        if (!grant.scopes().isEmpty()) {
            field(form, "scope", String.join(" ", grant.scopes()));
        }
        Instant asked = clock.instant();
        return client.post(grant.tokenUrl(), "application/x-www-form-urlencoded",
                        form.toString().getBytes(StandardCharsets.UTF_8))
                .thenApply(reply -> {
                    if (reply.status() != 200) {
                        throw new TokenException("token endpoint answered " + reply.status());
                    }
                    JsonNode answer;
                    try {
                        answer = JSON.readTree(reply.body());
                    } catch (IOException e) {
                        throw new TokenException("token endpoint answered something other than JSON");
                    }
                    JsonNode value = answer == null ? null : answer.get("access_token");
                    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
                        throw new TokenException("token endpoint answered no access_token");
                    }
                    JsonNode rotated = answer.get("refresh_token");
                    if (rotated != null && rotated.isTextual() && !rotated.asText().isEmpty()
                            && !rotated.asText().equals(refreshToken)) {
                        rotations.rotated(grant, refreshToken, rotated.asText());
                    }
                    JsonNode expiresIn = answer.get("expires_in");
                    Duration lifetime = expiresIn != null && expiresIn.canConvertToLong()
                            ? Duration.ofSeconds(expiresIn.asLong()) : UNSTATED_LIFETIME;
                    Duration usable = lifetime.compareTo(EARLY.multipliedBy(2)) > 0 ? lifetime.minus(EARLY)
                            : lifetime.dividedBy(2);
                    return new Token(value.asText(), asked.plus(usable));
                });
    }

    private static void field(StringBuilder form, String name, String value) {
        if (value != null) {
            form.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }

    static String rootMessage(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** The token endpoint's answer was not a usable token. */
    public static final class TokenException extends RuntimeException {
        TokenException(String message) {
            super(message);
        }
    }
}
