package dev.wharf.platform;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when PostgreSQL answers. It asks on the control pool, so that a busy API (a long wait for the main
 * pool) is not reported as a database outage, and a load balancer keeps sending work to a plane that can take it.
 * It replaces Quarkus' own datasource check, which uses the main pool.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadinessCheck implements AsyncHealthCheck {
    private static final String NAME = "PostgreSQL";
    private final Pool control;
    private final DatabaseConfig config;

    public DatabaseReadinessCheck(@ControlPool Pool control, DatabaseConfig config) {
        this.control = control;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        Duration timeout = config.acquireTimeout();
        return control.query("SELECT 1").execute()
                .ifNoItem().after(timeout).fail()
                .map(rows -> HealthCheckResponse.named(NAME).up().build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named(NAME)
                        .withData("error", "PostgreSQL did not answer: " + e.getMessage()).down().build());
    }
}
