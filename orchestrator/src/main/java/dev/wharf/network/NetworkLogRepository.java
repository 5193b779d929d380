package dev.wharf.network;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** SQL for the network log: one row per request a sandbox made through the egress proxy. */
@ApplicationScoped
public class NetworkLogRepository {
    private static final String COLUMNS = "id, environment_id, tenant_id, time, method, scheme, host, port, path,"
            + " decision, reason, status, bytes_sent, bytes_received, duration_ms, intercepted";

    private final Pool pool;

    public NetworkLogRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores a batch in one statement (the caller dropped entries of environments that no longer exist). */
    public Uni<Integer> insert(List<NetworkLogEntry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Tuple> rows = new ArrayList<>();
        for (NetworkLogEntry e : entries) {
            rows.add(Tuple.from(new Object[] {e.environmentId(), e.tenantId(), OffsetDateTime.ofInstant(e.time(),
                    ZoneOffset.UTC), e.method(), e.scheme(), e.host(), e.port(), e.path(), e.decision(), e.reason(),
                    e.status(), e.bytesSent(), e.bytesReceived(), e.durationMs(), e.intercepted()}));
        }
        return pool.preparedQuery("INSERT INTO network_log (environment_id, tenant_id, time, method, scheme, host,"
                        + " port, path, decision, reason, status, bytes_sent, bytes_received, duration_ms, intercepted)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                       )
                .executeBatch(rows)
                .map(result -> entries.size());
    }

    /** The owning tenant of each of these environments that still exists. */
    public Uni<java.util.Map<String, String>> tenantsOf(java.util.Set<String> environmentIds) {
        return pool.preparedQuery("SELECT id, tenant_id FROM environment WHERE id = ANY($1)")
                .execute(Tuple.of(environmentIds.toArray(String[]::new)))
                .map(rows -> {
                    java.util.Map<String, String> tenants = new java.util.HashMap<>();
                    for (Row row : rows) {
                        tenants.put(row.getString("id"), row.getString("tenant_id"));
                    }
                    return tenants;
                });
    }

    /** Newest first after the cursor; the caller asks for one extra row to learn whether another page exists. */
    public Uni<List<NetworkLogEntry>> page(String environmentId, Instant afterTime, Long afterId, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM network_log WHERE environment_id = $1"
                        + " AND ($2::timestamptz IS NULL OR time < $2 OR (time = $2 AND id < $3))"
                        + " ORDER BY time DESC, id DESC LIMIT $4")
                .execute(Tuple.of(environmentId, afterTime == null ? null
                        : OffsetDateTime.ofInstant(afterTime, ZoneOffset.UTC), afterId, limit))
                .map(rows -> {
                    List<NetworkLogEntry> page = new ArrayList<>();
                    for (Row row : rows) {
                        page.add(of(row));
                    }
                    return page;
                });
    }

    private static NetworkLogEntry of(Row row) {
        return new NetworkLogEntry(row.getLong("id"), row.getString("environment_id"), row.getString("tenant_id"),
                row.getOffsetDateTime("time").toInstant(), row.getString("method"), row.getString("scheme"),
                row.getString("host"), row.getInteger("port"), row.getString("path"), row.getString("decision"),
                row.getString("reason"), row.getInteger("status"), row.getLong("bytes_sent"),
                row.getLong("bytes_received"), row.getLong("duration_ms"), row.getBoolean("intercepted"));
    }
}
