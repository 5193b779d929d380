package dev.wharf.agent;

import dev.wharf.api.ApiException;
import dev.wharf.api.RequestText;
import dev.wharf.api.ResourceIds;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;

/**
 * Saved agents, each owned by one tenant: a base agent (built-in) specialised with instructions, tools, configuration and starting files.
 * Built-in agents are listed first and cannot be replaced or deleted.
 */
@ApplicationScoped
public class AgentService {
    private final AgentRepository repository;
    private final Clock clock;

    public AgentService(AgentRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    public Uni<AgentDefinition> create(String tenantId, JsonObject body) {
        if (body == null) {
            throw ApiException.invalidArgument("a JSON body is required");
        }
        String id = body.getValue("id") instanceof String s ? s : null;
        if (!ResourceIds.isChosenId(id)) {
            throw ApiException.invalidArgument("id is required: " + ResourceIds.CHOSEN_ID_RULE);
        }
        if (BuiltInAgents.isBuiltIn(id)) {
            throw ApiException.failedPrecondition("agent " + id + " is built in and cannot be replaced");
        }
        String base = body.getValue("base_agent") instanceof String s ? s : BuiltInAgents.DEFAULT;
        if (!BuiltInAgents.isBuiltIn(base)) {
            throw ApiException.invalidArgument("base_agent must be a built-in agent: " + BuiltInAgents.DEFAULT);
        }
        JsonArray tools = optionalArray(body, "tools");
        // Refuse tool types an agent cannot use now, not at its first run.
        ToolDeclarations.functionTools(tools);
        String description = RequestText.requireProse("description", optionalString(body, "description"));
        AgentDefinition agent = new AgentDefinition(id, base, description,
                optionalString(body, "system_instruction"), tools,
                optionalObject(body, "agent_config"), optionalObject(body, "base_environment"), null, null);
        return repository.insert(tenantId, agent, clock.instant()).chain(inserted -> inserted
                ? repository.find(tenantId, id).map(found -> found.orElseThrow())
                : Uni.createFrom().failure(ApiException.failedPrecondition("agent " + id + " already exists")));
    }

    /** A built-in or saved agent; unknown ids are a 404 naming the id. */
    public Uni<AgentDefinition> get(String tenantId, String id) {
        if (BuiltInAgents.find(id).isEmpty() && !wellFormed(id)) {
            return Uni.createFrom().failure(unknownId(id));
        }
        return BuiltInAgents.find(id).map(agent -> Uni.createFrom().item(agent))
                .orElseGet(() -> repository.find(tenantId, id).map(found -> found.orElseThrow(
                        () -> ApiException.notFound("agent " + id + " not found"))));
    }

    /** Saved agents by id; the page token is the last id served, so it must be one. */
    public Uni<List<AgentDefinition>> list(String tenantId, int limit, String afterId) {
        if (afterId != null && !wellFormed(afterId)) {
            throw ApiException.invalidArgument("page_token is not a token this server issued");
        }
        return repository.list(tenantId, limit, afterId);
    }

    /** Deletes every saved agent of a tenant being deleted; answers how many. */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return repository.deleteAllOf(tenantId);
    }

    public Uni<Void> delete(String tenantId, String id) {
        if (BuiltInAgents.isBuiltIn(id)) {
            throw ApiException.failedPrecondition("agent " + id + " is built in and cannot be deleted");
        }
        if (!wellFormed(id)) {
            return Uni.createFrom().failure(unknownId(id));
        }
        return repository.delete(tenantId, id).chain(deleted -> deleted ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(ApiException.notFound("agent " + id + " not found")));
    }

    /** Agent ids are chosen by the caller ({@link ResourceIds#isChosenId}); anything else names no agent. */
    private static boolean wellFormed(String id) {
        return ResourceIds.isChosenId(id);
    }

    private static ApiException unknownId(String id) {
        return ResourceIds.unknownChosen("agent", id);
    }

    private static String optionalString(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value != null && !(value instanceof String)) {
            throw ApiException.invalidArgument(field + " must be a string");
        }
        return (String) value;
    }

    private static JsonArray optionalArray(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return new JsonArray();
        }
        if (!(value instanceof JsonArray array)) {
            throw ApiException.invalidArgument(field + " must be a list");
        }
        return array;
    }

    private static JsonObject optionalObject(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return "agent_config".equals(field) ? new JsonObject() : null;
        }
        if (!(value instanceof JsonObject object)) {
            throw ApiException.invalidArgument(field + " must be an object");
        }
        return object;
    }
}
