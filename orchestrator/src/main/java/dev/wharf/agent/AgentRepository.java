package dev.wharf.agent;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for saved agents; every statement is scoped to the owning tenant (agent ids are unique per tenant). */
@ApplicationScoped
public class AgentRepository {
    private static final String COLUMNS =
            "id, base_agent, description, system_instruction, tools, agent_config, base_environment, created_at, updated_at";

    private final Pool pool;

    public AgentRepository(Pool pool) {
        this.pool = pool;
    }

    /** Inserts, or reports false when the id is taken. */
    public Uni<Boolean> insert(String tenantId, AgentDefinition agent, Instant now) {
        return pool.preparedQuery("INSERT INTO agent (" + COLUMNS + ", tenant_id)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) ON CONFLICT (tenant_id, id) DO NOTHING")
                .execute(Tuple.from(new Object[] {agent.id(), agent.baseAgent(), agent.description(),
                        agent.systemInstruction(), agent.tools(), agent.agentConfig(), agent.baseEnvironment(),
                        now.atOffset(ZoneOffset.UTC), tenantId}))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Optional<AgentDefinition>> find(String tenantId, String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM agent WHERE tenant_id = $1 AND id = $2")
                .execute(Tuple.of(tenantId, id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
    }

    public Uni<List<AgentDefinition>> list(String tenantId, int limit, String afterId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM agent WHERE tenant_id = $1"
                        + " AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3")
                .execute(Tuple.of(tenantId, afterId, limit))
                .map(rows -> {
                    List<AgentDefinition> agents = new ArrayList<>();
                    rows.forEach(row -> agents.add(map(row)));
                    return agents;
                });
    }

    /** Deletes every saved agent of the tenant; answers how many. */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return pool.preparedQuery("DELETE FROM agent WHERE tenant_id = $1").execute(Tuple.of(tenantId))
                .map(rows -> rows.rowCount());
    }

    public Uni<Boolean> delete(String tenantId, String id) {
        return pool.preparedQuery("DELETE FROM agent WHERE tenant_id = $1 AND id = $2").execute(Tuple.of(tenantId, id))
                .map(rows -> rows.rowCount() == 1);
    }

    private static AgentDefinition map(Row row) {
        return new AgentDefinition(row.getString("id"), row.getString("base_agent"), row.getString("description"),
                row.getString("system_instruction"), (JsonArray) row.getValue("tools"),
                (JsonObject) row.getValue("agent_config"), (JsonObject) row.getValue("base_environment"),
                format(row.getOffsetDateTime("created_at").toInstant()),
                format(row.getOffsetDateTime("updated_at").toInstant()));
    }

    private static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
