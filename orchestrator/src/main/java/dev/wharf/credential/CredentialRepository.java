package dev.wharf.credential;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SQL for credentials. Every statement is scoped to the owning tenant; secrets arrive and leave sealed, so nothing
 * here ever holds one in plaintext.
 */
@ApplicationScoped
public class CredentialRepository {
    /** The sealed column of each secret field. */
    private static final List<String> SECRET_FIELDS = List.of("value", "token", "client_secret", "refresh_token");
    private static final String COLUMNS = "tenant_id, id, type, status, settings, value_sealed, token_sealed,"
            + " client_secret_sealed, refresh_token_sealed, created_at, updated_at";

    private final Pool pool;

    public CredentialRepository(Pool pool) {
        this.pool = pool;
    }

    /** Inserts, or reports false when the tenant already has a credential with this id. */
    public Uni<Boolean> insert(Credential c) {
        return pool.preparedQuery("INSERT INTO credential (" + COLUMNS + ")"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                        + " ON CONFLICT (tenant_id, id) DO NOTHING")
                .execute(Tuple.from(new Object[] {c.tenantId(), c.id(), c.type().wire(), c.status().wire(),
                        c.settings(),
                        sealed(c, "value"), sealed(c, "token"), sealed(c, "client_secret"), sealed(c, "refresh_token"),
                        time(c.created()), time(c.updated())}))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Optional<Credential>> find(String tenantId, String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM credential WHERE tenant_id = $1 AND id = $2")
                .execute(Tuple.of(tenantId, id))
                .map(CredentialRepository::first);
    }

    /** Newest first after the cursor; the caller asks for one extra row to learn whether another page exists. */
    public Uni<List<Credential>> page(String tenantId, Instant afterCreated, String afterId, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM credential WHERE tenant_id = $1"
                        + " AND ($2::timestamptz IS NULL OR created_at < $2 OR (created_at = $2 AND id < $3))"
                        + " ORDER BY created_at DESC, id DESC LIMIT $4")
                .execute(Tuple.of(tenantId, time(afterCreated), afterId, limit))
                .map(rows -> {
                    List<Credential> all = new ArrayList<>();
                    rows.forEach(row -> all.add(credential(row)));
                    return all;
                });
    }

    /**
     * Applies a checked patch to an active credential of the expected type: settings merged key by key (the cleared
     * ones removed), the named secrets replaced by their {@code sealed} values, the status set. Conditional: empty
     * when the credential is gone, was revoked, or a guard of the patch no longer holds (a concurrent update changed
     * what it was checked against).
     */
    Uni<Optional<Credential>> update(String tenantId, String id, CredentialType type, CredentialInput.Patch patch,
                                     Map<String, byte[]> sealed, Instant now) {
        return pool.preparedQuery("UPDATE credential SET settings = (settings - $13::text[]) || $4::jsonb,"
                        + " value_sealed = COALESCE($5, value_sealed), token_sealed = COALESCE($6, token_sealed),"
                        + " client_secret_sealed = COALESCE($7, client_secret_sealed),"
                        + " refresh_token_sealed = COALESCE($8, refresh_token_sealed),"
                        + " status = COALESCE($9, status), updated_at = $10"
                        + " WHERE tenant_id = $1 AND id = $2 AND type = $3 AND status = 'active'"
                        + " AND (NOT $11 OR settings -> '" + CredentialInput.VALUE_HEADER_SAFE + "' = 'true'::jsonb)"
                        + " AND (NOT $12 OR NOT settings -> 'injection_location' @> '[\"header\"]'::jsonb)"
                        + " RETURNING " + COLUMNS)
                .execute(Tuple.from(new Object[] {tenantId, id, type.wire(), patch.settings(),
                        buffer(sealed.get("value")), buffer(sealed.get("token")), buffer(sealed.get("client_secret")),
                        buffer(sealed.get("refresh_token")), patch.status() == null ? null : patch.status().wire(),
                        time(now), patch.requireStoredValueHeaderSafe(), patch.requireStoredLocationsWithoutHeader(),
                        patch.cleared().toArray(String[]::new)}))
                .map(CredentialRepository::first);
    }

    /** Replaces an active oauth2 credential's refresh token if it was not changed since {@code readAt}. */
    Uni<Boolean> replaceRefreshToken(String tenantId, String id, byte[] sealed, Instant readAt, Instant now) {
        return pool.preparedQuery("UPDATE credential SET refresh_token_sealed = $3, updated_at = $5"
                        + " WHERE tenant_id = $1 AND id = $2 AND type = 'oauth2' AND status = 'active'"
                        + " AND updated_at = $4")
                .execute(Tuple.of(tenantId, id, buffer(sealed), time(readAt), time(now)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The most recently written credential of any tenant, to check the key against at start. */
    public Uni<Optional<Credential>> latest() {
        return pool.query("SELECT " + COLUMNS + " FROM credential ORDER BY updated_at DESC LIMIT 1").execute()
                .map(CredentialRepository::first);
    }

    public Uni<Boolean> delete(String tenantId, String id) {
        return pool.preparedQuery("DELETE FROM credential WHERE tenant_id = $1 AND id = $2")
                .execute(Tuple.of(tenantId, id))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Deletes every credential of a tenant being deleted; answers how many. */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return pool.preparedQuery("DELETE FROM credential WHERE tenant_id = $1").execute(Tuple.of(tenantId))
                .map(RowSet::rowCount);
    }

    // ---- mapping -------------------------------------------------------------------------------------------------

    private static Optional<Credential> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(credential(rows.iterator().next()));
    }

    private static Credential credential(Row row) {
        Map<String, byte[]> sealed = new LinkedHashMap<>();
        for (String field : SECRET_FIELDS) {
            io.vertx.mutiny.core.buffer.Buffer bytes = row.getBuffer(field + "_sealed");
            if (bytes != null) {
                sealed.put(field, bytes.getBytes());
            }
        }
        return new Credential(row.getString("tenant_id"), row.getString("id"),
                CredentialType.fromWire(row.getString("type")).orElseThrow(),
                CredentialStatus.fromWire(row.getString("status")).orElseThrow(),
                (JsonObject) row.getValue("settings"), Map.copyOf(sealed),
                row.getOffsetDateTime("created_at").toInstant(), row.getOffsetDateTime("updated_at").toInstant());
    }

    private static Buffer sealed(Credential credential, String field) {
        return buffer(credential.sealed().get(field));
    }

    private static Buffer buffer(byte[] bytes) {
        return bytes == null ? null : Buffer.buffer(bytes);
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
