package dev.wharf.environment;

import dev.wharf.sandbox.ByteSize;
import dev.wharf.sandbox.SandboxConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How large a new environment's workspace may be: the platform's wharf.sandbox.workspace-size, lowered by the
 * tenant's max_workspace_bytes when that is smaller. Read at creation, so an administrator's change applies to
 * environments created after it; a workspace keeps the size it was made with (its file system cannot shrink).
 */
@ApplicationScoped
public class WorkspaceQuota {
    private final Pool pool;
    private final long platformLimit;

    public WorkspaceQuota(Pool pool, SandboxConfig config) {
        this.pool = pool;
        this.platformLimit = ByteSize.parse(config.workspaceSize());
    }

    public long platformLimit() {
        return platformLimit;
    }

    public Uni<Long> limitFor(String tenantId) {
        return pool.preparedQuery("SELECT max_workspace_bytes FROM tenant WHERE id = $1")
                .execute(Tuple.of(tenantId))
                .map(rows -> {
                    Long tenantLimit = null;
                    for (Row row : rows) {
                        tenantLimit = row.getLong("max_workspace_bytes");
                    }
                    return tenantLimit == null ? platformLimit : Math.min(platformLimit, tenantLimit);
                });
    }
}
