package dev.wharf.network;

import dev.wharf.tenant.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** {@code GET /v1/environments/{id}/network_log}: every request the environment's sandbox made, newest first. */
@Path("/{version: v1|v1beta}/environments/{id}/network_log")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Environments")
public class NetworkLogResource {
    private final NetworkLogService log;

    public NetworkLogResource(NetworkLogService log) {
        this.log = log;
    }

    @GET
    @Operation(summary = "The environment's outbound requests through the egress proxy, newest first")
    public Uni<JsonObject> list(RoutingContext ctx, @RestPath String id, @RestQuery("page_size") String pageSize,
                                @RestQuery("page_token") String pageToken) {
        return log.page(Caller.tenantId(ctx), id, pageSize, pageToken);
    }
}
