package dev.wharf.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Limits on how clients may hold the API's connections (slow or broken clients). The global connection cap is
 * Quarkus's own {@code quarkus.http.limits.max-connections}; see docs/ARCHITECTURE.md, "HTTP edge limits".
 */
@ConfigMapping(prefix = "wharf.http")
public interface HttpEdgeConfig {

    /** A connection must deliver a request's complete headers this soon after it opens or starts the request. */
    @WithDefault("10s")
    Duration headerTimeout();

    /** While a request body is being received, a pause longer than this (with the server reading) closes it. */
    @WithDefault("30s")
    Duration bodyIdleTimeout();

    /** A keep-alive connection with no request in flight is closed after this long. */
    @WithDefault("60s")
    Duration idleTimeout();

    /** Connections one client address may hold open at once; the next is answered 429 and closed (0: no cap). */
    @WithDefault("512")
    int maxConnectionsPerAddress();

    /** How often an open event stream gets an SSE comment line, so that it is never silent for long. */
    @WithDefault("15s")
    Duration sseHeartbeat();
}
