package dev.wharf.agent;

import dev.wharf.tenant.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** Saved custom agents under /v1 and /v1beta. */
@Path("/{version: v1|v1beta}/agents")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Agents")
public class AgentResource {
    private final AgentService agents;

    public AgentResource(AgentService agents) {
        this.agents = agents;
    }

    @POST
    @Operation(summary = "Save a custom agent: a base agent plus instructions, tools, config and starting files")
    public Uni<JsonObject> create(RoutingContext ctx, JsonObject body) {
        return agents.create(Caller.tenantId(ctx), body).map(AgentDefinition::toJson);
    }

    @GET
    @Operation(summary = "List the built-in and saved agents")
    public Uni<JsonObject> list(RoutingContext ctx, @RestQuery("page_size") String pageSize, @RestQuery("page_token") String pageToken) {
        int size = dev.wharf.api.PageToken.parsePageSize(pageSize);
        boolean firstPage = pageToken == null || pageToken.isBlank();
        return agents.list(Caller.tenantId(ctx), size + 1, firstPage ? null : pageToken).map(saved -> {
            JsonArray items = new JsonArray();
            if (firstPage) {
                BuiltInAgents.find(BuiltInAgents.DEFAULT).ifPresent(agent -> items.add(agent.toJson()));
            }
            List<AgentDefinition> page = saved.size() > size ? saved.subList(0, size) : saved;
            page.forEach(agent -> items.add(agent.toJson()));
            JsonObject result = new JsonObject().put("agents", items);
            if (saved.size() > size) {
                result.put("next_page_token", page.get(page.size() - 1).id());
            }
            return result;
        });
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get an agent")
    public Uni<JsonObject> get(RoutingContext ctx, @RestPath String id) {
        return agents.get(Caller.tenantId(ctx), id).map(AgentDefinition::toJson);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a saved agent")
    public Uni<JsonObject> delete(RoutingContext ctx, @RestPath String id) {
        return agents.delete(Caller.tenantId(ctx), id).map(done -> new JsonObject());
    }
}
