package dev.wharf.platform;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgPool;
import io.vertx.pgclient.spi.PgDriver;
import io.vertx.sqlclient.PoolOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The two connection pools. The main pool (Quarkus' own, which Hibernate Reactive shares) serves the API and
 * the background passes; its waiters are bounded in number and in time ({@link DatabaseConfig}), so a database
 * that cannot keep up turns into fast, explicit failures instead of an ever longer queue. The control pool is
 * small and separate: API key checks and the readiness probe use it, so they never queue behind API work.
 *
 * <p>No code path holds a connection of a pool while it asks the same pool for another: work inside a
 * transaction reads through that transaction's connection (see {@code InteractionLog}). With a bounded pool,
 * a path that did would wait on itself, which is exactly how a full pool deadlocks.
 */
@ApplicationScoped
public class DatabasePools implements PgPoolCreator {
    private final DatabaseConfig config;
    private final Vertx vertx;
    private final String url;
    private final String user;
    private final String password;
    private final AtomicReference<PgPool> control = new AtomicReference<>();

    public DatabasePools(DatabaseConfig config, Vertx vertx,
                         @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
                         @ConfigProperty(name = "quarkus.datasource.username") String user,
                         @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.config = config;
        this.vertx = vertx;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Quarkus calls this to build the main pool: its settings, plus Wharf's bounds on waiting. */
    @Override
    public io.vertx.sqlclient.Pool create(Input input) {
        PoolOptions options = new PoolOptions(input.poolOptions())
                .setMaxWaitQueueSize(config.maxWaitQueue())
                .setConnectionTimeout((int) config.acquireTimeout().toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        return PgDriver.INSTANCE.createPool(input.vertx(), input.pgConnectOptionsList(), options);
    }

    @Produces
    @ControlPool
    @ApplicationScoped
    io.vertx.mutiny.sqlclient.Pool controlPool() {
        PoolOptions options = new PoolOptions()
                .setName("wharf-control")
                .setMaxSize(config.controlPoolSize())
                .setMaxWaitQueueSize(config.maxWaitQueue())
                .setConnectionTimeout((int) config.acquireTimeout().toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        PgPool pool = (PgPool) PgDriver.INSTANCE.createPool(vertx, List.of(connectOptions()), options);
        control.set(pool);
        return io.vertx.mutiny.sqlclient.Pool.newInstance(pool);
    }

    /** How to open a connection of one's own to the database (the control pool's, and LISTEN's). */
    public PgConnectOptions connectOptions() {
        return PgConnectOptions.fromUri(url).setUser(user).setPassword(password).setCachePreparedStatements(true);
    }

    @PreDestroy
    void close() {
        PgPool pool = control.getAndSet(null);
        if (pool != null) {
            pool.close();
        }
    }
}
