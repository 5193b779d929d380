package dev.wharf.tenant;

import dev.wharf.platform.ControlPool;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for tenants and their API keys. */
@ApplicationScoped
public class TenantRepository {
    private static final String TENANT_COLUMNS = "t.id, t.name, t.created_at, t.updated_at, t.max_concurrent_sandboxes,"
            + " t.default_timeout_seconds, t.max_timeout_seconds, t.retention_days, t.environment_idle_ttl_seconds,"
            + " t.environment_max_lifetime_seconds, t.max_workspace_bytes, t.egress_allow_any_host";
    private static final String KEY_COLUMNS = "id, tenant_id, name, key_prefix, created_at, last_used_at, revoked_at";

    private final Pool pool;
    /** Key checks run on every request: they have connections of their own (see DatabasePools). */
    private final Pool control;

    public TenantRepository(Pool pool, @ControlPool Pool control) {
        this.pool = pool;
        this.control = control;
    }

    /** Inserts, or reports false when the id is taken. */
    public Uni<Boolean> insert(String id, String name, TenantLimits limits, Instant now) {
        return pool.preparedQuery("INSERT INTO tenant (id, name, created_at, updated_at, max_concurrent_sandboxes,"
                        + " default_timeout_seconds, max_timeout_seconds, retention_days, environment_idle_ttl_seconds,"
                        + " environment_max_lifetime_seconds, max_workspace_bytes, egress_allow_any_host)"
                        + " VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                        + " ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.from(new Object[] {id, name, utc(now), limits.maxConcurrentSandboxes(),
                        limits.defaultTimeoutSeconds(), limits.maxTimeoutSeconds(), limits.retentionDays(),
                        limits.environmentIdleTtlSeconds(), limits.environmentMaxLifetimeSeconds(),
                        limits.maxWorkspaceBytes(), limits.egressAllowAnyHost()}))
                .map(rows -> rows.rowCount() == 1);
    }

    /** An active tenant; a deleted one (or one being deleted) is not found. */
    public Uni<Optional<Tenant>> find(String id) {
        return pool.preparedQuery("SELECT " + TENANT_COLUMNS + " FROM tenant t WHERE t.id = $1"
                        + " AND t.state = 'active'").execute(Tuple.of(id))
                .map(rows -> first(rows).map(TenantRepository::tenant));
    }

    /** Every tenant that is not deleted, in creation order (tenants are few: platform teams create them by hand). */
    public Uni<List<Tenant>> list() {
        return pool.query("SELECT " + TENANT_COLUMNS + " FROM tenant t WHERE t.state = 'active'"
                        + " ORDER BY t.created_at, t.id").execute()
                .map(rows -> {
                    List<Tenant> tenants = new ArrayList<>();
                    rows.forEach(row -> tenants.add(tenant(row)));
                    return tenants;
                });
    }

    public Uni<Boolean> update(String id, String name, TenantLimits limits, Instant now) {
        return pool.preparedQuery("UPDATE tenant SET name = $2, updated_at = $3, max_concurrent_sandboxes = $4,"
                        + " default_timeout_seconds = $5, max_timeout_seconds = $6, retention_days = $7,"
                        + " environment_idle_ttl_seconds = $8, environment_max_lifetime_seconds = $9,"
                        + " max_workspace_bytes = $10, egress_allow_any_host = $11 WHERE id = $1 AND state = 'active'")
                .execute(Tuple.from(new Object[] {id, name, utc(now), limits.maxConcurrentSandboxes(),
                        limits.defaultTimeoutSeconds(), limits.maxTimeoutSeconds(), limits.retentionDays(),
                        limits.environmentIdleTtlSeconds(), limits.environmentMaxLifetimeSeconds(),
                        limits.maxWorkspaceBytes(), limits.egressAllowAnyHost()}))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * The tenant an active key belongs to, looked up by the key's hash. Deletion revokes the keys in the same
     * transaction that leaves {@code active}; the state check says the same thing twice, on purpose.
     */
    public Uni<Optional<Authenticated>> findByKeyHash(String keyHash) {
        return control.preparedQuery("SELECT " + TENANT_COLUMNS + ", k.id AS key_id, k.last_used_at FROM api_key k"
                        + " JOIN tenant t ON t.id = k.tenant_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL"
                        + " AND t.state = 'active'")
                .execute(Tuple.of(keyHash))
                .map(rows -> first(rows).map(row -> new Authenticated(tenant(row), row.getString("key_id"),
                        instant(row.getOffsetDateTime("last_used_at")))));
    }

    /**
     * Starts deleting a tenant: in one transaction, moves it from {@code active} to {@code deleting} and revokes every
     * key it has, so its next request is refused and it can start no new work. Answers the state the tenant is in
     * afterwards ({@code deleting}: go on and clean up; {@code deleted}: nothing to do), or empty for an unknown id.
     * A tenant already {@code deleting} (a crash, or a concurrent delete) is left as it is, for the caller to finish.
     */
    public Uni<Optional<TenantState>> beginDeletion(String id, Instant now) {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT state FROM tenant WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(id))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<TenantState>empty());
                    }
                    TenantState state = TenantState.fromWire(rows.iterator().next().getString("state"));
                    if (!state.canMoveTo(TenantState.DELETING)) {
                        return Uni.createFrom().item(Optional.of(state));
                    }
                    return tx.preparedQuery("UPDATE tenant SET state = 'deleting', deleted_at = $2, updated_at = $2"
                                    + " WHERE id = $1 AND state = 'active'")
                            .execute(Tuple.of(id, utc(now)))
                            .chain(() -> tx.preparedQuery("UPDATE api_key SET revoked_at = $2 WHERE tenant_id = $1"
                                    + " AND revoked_at IS NULL").execute(Tuple.of(id, utc(now))))
                            .map(done -> Optional.of(TenantState.DELETING));
                }));
    }

    /** Ends a deletion whose clean-up is done; false when the tenant was not {@code deleting}. */
    public Uni<Boolean> finishDeletion(String id, Instant now) {
        return pool.preparedQuery("UPDATE tenant SET state = 'deleted', updated_at = $2 WHERE id = $1"
                        + " AND state = 'deleting'")
                .execute(Tuple.of(id, utc(now))).map(rows -> rows.rowCount() == 1);
    }

    /** A tenant and the key it was identified by. */
    public record Authenticated(Tenant tenant, String keyId, Instant keyLastUsed) {
    }

    public Uni<Void> insertKey(ApiKey key, String keyHash) {
        return pool.preparedQuery("INSERT INTO api_key (id, tenant_id, name, key_hash, key_prefix, created_at)"
                        + " VALUES ($1, $2, $3, $4, $5, $6)")
                .execute(Tuple.of(key.id(), key.tenantId(), key.name(), keyHash, key.prefix(), utc(key.created())))
                .replaceWithVoid();
    }

    public Uni<Boolean> keyHashExists(String keyHash) {
        return pool.preparedQuery("SELECT 1 FROM api_key WHERE key_hash = $1").execute(Tuple.of(keyHash))
                .map(rows -> rows.size() > 0);
    }

    public Uni<Long> countKeys() {
        return pool.query("SELECT count(*) FROM api_key").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }

    public Uni<List<ApiKey>> keys(String tenantId) {
        return pool.preparedQuery("SELECT " + KEY_COLUMNS + " FROM api_key WHERE tenant_id = $1 ORDER BY created_at, id")
                .execute(Tuple.of(tenantId))
                .map(rows -> {
                    List<ApiKey> keys = new ArrayList<>();
                    rows.forEach(row -> keys.add(key(row)));
                    return keys;
                });
    }

    public Uni<Optional<ApiKey>> key(String tenantId, String keyId) {
        return pool.preparedQuery("SELECT " + KEY_COLUMNS + " FROM api_key WHERE tenant_id = $1 AND id = $2")
                .execute(Tuple.of(tenantId, keyId))
                .map(rows -> first(rows).map(TenantRepository::key));
    }

    /** Revokes an active key; revoking a revoked key changes nothing (and reports false). */
    public Uni<Boolean> revokeKey(String tenantId, String keyId, Instant now) {
        return pool.preparedQuery("UPDATE api_key SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2"
                        + " AND revoked_at IS NULL")
                .execute(Tuple.of(tenantId, keyId, utc(now)))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> touchKey(String keyId, Instant now) {
        return pool.preparedQuery("UPDATE api_key SET last_used_at = $2 WHERE id = $1")
                .execute(Tuple.of(keyId, utc(now))).replaceWithVoid();
    }

    private static Optional<Row> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next());
    }

    private static Tenant tenant(Row row) {
        return new Tenant(row.getString("id"), row.getString("name"),
                row.getOffsetDateTime("created_at").toInstant(), row.getOffsetDateTime("updated_at").toInstant(),
                new TenantLimits(row.getInteger("max_concurrent_sandboxes"), row.getInteger("default_timeout_seconds"),
                        row.getInteger("max_timeout_seconds"), row.getInteger("retention_days"),
                        row.getInteger("environment_idle_ttl_seconds"),
                        row.getInteger("environment_max_lifetime_seconds"), row.getLong("max_workspace_bytes"),
                        row.getBoolean("egress_allow_any_host")));
    }

    private static ApiKey key(Row row) {
        return new ApiKey(row.getString("id"), row.getString("tenant_id"), row.getString("name"),
                row.getString("key_prefix"), row.getOffsetDateTime("created_at").toInstant(),
                instant(row.getOffsetDateTime("last_used_at")), instant(row.getOffsetDateTime("revoked_at")));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
