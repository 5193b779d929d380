package dev.wharf.api;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The base of every absolute URL the server hands out (today the resumable upload's {@code X-Goog-Upload-URL}).
 * It comes from configuration, {@code wharf.public-url} ({@code WHARF_PUBLIC_URL}), and never from the request's
 * Host header, which the client chooses: a URL built from it would send the next request, and its API key,
 * wherever the client (or whoever forged the request) said. Unset, it is the listening address:
 * {@code http://localhost:<port>}, or the configured {@code quarkus.http.host} when that is not a wildcard.
 */
@ApplicationScoped
public class PublicUrl {
    private final Optional<String> configured;
    private final String host;

    public PublicUrl(@ConfigProperty(name = "wharf.public-url") Optional<String> configured,
            @ConfigProperty(name = "quarkus.http.host", defaultValue = "localhost") String host) {
        this.configured = configured.map(String::trim).filter(url -> !url.isEmpty()).map(PublicUrl::validated);
        this.host = host;
    }

    /** Scheme, authority and any path prefix, without a trailing slash. */
    public String base() {
        return configured.orElseGet(() -> "http://" + listeningHost() + ":" + HttpEdge.listeningPort());
    }

    private String listeningHost() {
        if (host.isBlank() || "0.0.0.0".equals(host) || "::".equals(host) || "[::]".equals(host)) {
            return "localhost";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String validated(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("wharf.public-url is not a URL: " + url, e);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "wharf.public-url must be an absolute http(s) URL without query, e.g. https://wharf.example.com: " + url);
        }
        return url.replaceAll("/+$", "");
    }
}
