package dev.wharf.egress.policy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Asks the control plane for a source's policy on every call: nothing is cached, so an allowlist change applies to
 * the sandbox's next request. Never blocks the caller.
 */
public final class PolicyClient {

    private static final Logger LOG = Logger.getLogger(PolicyClient.class.getName());

    private final HttpClient http;
    private final String baseUrl;
    private final String token;
    private final Duration timeout;

    public PolicyClient(HttpClient http, String baseUrl, String token, Duration timeout) {
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.timeout = timeout;
    }

    public CompletableFuture<PolicyAnswer> fetch(String source) {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(baseUrl + "/policy?source=" + URLEncoder.encode(source, StandardCharsets.UTF_8)))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .handle((response, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.WARNING, "policy request for {0} failed: {1}",
                                new Object[] {source, failure.getClass().getSimpleName()});
                        return new PolicyAnswer.Unavailable(failure.getClass().getSimpleName());
                    }
                    if (response.statusCode() == 404) {
                        return new PolicyAnswer.UnknownSandbox();
                    }
                    if (response.statusCode() != 200) {
                        LOG.log(Level.WARNING, "policy request for {0} answered {1}",
                                new Object[] {source, response.statusCode()});
                        return new PolicyAnswer.Unavailable("status " + response.statusCode());
                    }
                    try {
                        return new PolicyAnswer.Known(PolicyJson.parse(response.body()));
                    } catch (Exception malformed) {
                        // Jackson's own messages quote the document, which may hold secrets.
                        String why = malformed instanceof com.fasterxml.jackson.core.JsonProcessingException
                                ? "not valid JSON" : malformed.getMessage();
                        LOG.log(Level.WARNING, "policy for {0} is malformed: {1}", new Object[] {source, why});
                        return new PolicyAnswer.Unavailable("malformed policy");
                    }
                });
    }
}
