package dev.wharf.tenancy;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/** SQL that finds tenant deletions with work left, across the tables of every package a tenant owns rows in. */
@ApplicationScoped
public class TenantDeletionRepository {
    private final Pool pool;

    public TenantDeletionRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Up to {@code limit} tenants, oldest deletion first, that are still {@code deleting}, or are {@code deleted}
     * yet own something: a request that authenticated just before the keys were revoked may have created it
     * after the clean-up looked. Environments already being deleted are the environment reconciler's.
     */
    public Uni<List<String>> unfinished(int limit) {
        return pool.preparedQuery("SELECT t.id FROM tenant t WHERE t.state = 'deleting' OR (t.state = 'deleted' AND ("
                        + " EXISTS (SELECT 1 FROM interaction i WHERE i.tenant_id = t.id)"
                        + " OR EXISTS (SELECT 1 FROM environment e WHERE e.tenant_id = t.id AND e.status <> 'deleting')"
                        + " OR EXISTS (SELECT 1 FROM agent a WHERE a.tenant_id = t.id)"
                        + " OR EXISTS (SELECT 1 FROM webhook w WHERE w.tenant_id = t.id)"
                        + " OR EXISTS (SELECT 1 FROM credential c WHERE c.tenant_id = t.id)))"
                        + " ORDER BY t.deleted_at, t.id LIMIT $1")
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getString("id")));
                    return ids;
                });
    }
}
