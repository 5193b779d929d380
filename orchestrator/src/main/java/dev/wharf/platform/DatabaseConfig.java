package dev.wharf.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How the control plane uses PostgreSQL connections. The main pool's size is Quarkus'
 * {@code quarkus.datasource.reactive.max-size}; everything else about waiting for a connection is set here, so
 * that a busy database slows requests down by a bounded amount and then refuses them, instead of piling up.
 */
@ConfigMapping(prefix = "wharf.database")
public interface DatabaseConfig {

    /** Longest a statement waits for a free pooled connection before it fails as "database busy" (503). */
    @WithDefault("10s")
    Duration acquireTimeout();

    /**
     * Statements that may wait for a connection of the main pool at once; one more fails at once as "database
     * busy". Sized above every in-flight limit of {@code wharf.admission}, which is what keeps it from being hit.
     */
    @WithDefault("4096")
    int maxWaitQueue();

    /**
     * Connections of the control pool, kept apart from the main pool for API key checks and the readiness probe,
     * so that authentication and health answer however busy the API is.
     */
    @WithDefault("4")
    int controlPoolSize();
}
