package dev.wharf.environment;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;

/**
 * Reads what governs an environment's lifetime. The tenant is the one the environment row names ({@code tenant_id}),
 * read in the same statement, so limits changed by an administrator apply from the environment's next use or
 * activation, without a restart.
 */
@ApplicationScoped
public class EnvironmentLifetimes {
    private final Pool pool;
    private final EnvironmentConfig config;

    public EnvironmentLifetimes(Pool pool, EnvironmentConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** The environment's lifetime rules and state; the platform's rules alone when the row is gone. */
    public Uni<EnvironmentLifetime> of(String environmentId) {
        return pool.preparedQuery("SELECT t.environment_idle_ttl_seconds, t.environment_max_lifetime_seconds,"
                        + " e.active_since, EXISTS (SELECT 1 FROM interaction i WHERE i.environment_id = e.id"
                        + " AND i.status IN ('queued', 'in_progress')) AS in_use"
                        + " FROM environment e JOIN tenant t ON t.id = e.tenant_id WHERE e.id = $1")
                .execute(Tuple.of(environmentId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return EnvironmentLifetime.of(null, null, config, null, false);
                    }
                    Row row = rows.iterator().next();
                    OffsetDateTime activeSince = row.getOffsetDateTime("active_since");
                    return EnvironmentLifetime.of(row.getInteger("environment_idle_ttl_seconds"),
                            row.getInteger("environment_max_lifetime_seconds"), config,
                            activeSince == null ? null : activeSince.toInstant(), row.getBoolean("in_use"));
                });
    }
}
