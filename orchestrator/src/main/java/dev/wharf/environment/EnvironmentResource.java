package dev.wharf.environment;

import dev.wharf.api.ApiException;
import dev.wharf.api.RequestJson;
import dev.wharf.tenant.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * Environments over HTTP, under /v1 and /v1beta. File bytes (download with {@code alt=media}, upload) stream
 * through {@link EnvironmentTransferRoutes} instead, so they are never held in memory.
 */
@Path("/{version: v1|v1beta}/environments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Environments")
public class EnvironmentResource {
    private static final String EXEC_SUFFIX = ":exec";

    private final EnvironmentService environments;
    private final RequestJson json;

    public EnvironmentResource(EnvironmentService environments, RequestJson json) {
        this.environments = environments;
        this.json = json;
    }

    @POST
    @Operation(summary = "Create an environment: a sandbox with a persistent /workspace")
    @RequestBody(content = @Content(schema = @Schema(implementation = CreateEnvironmentRequest.class)))
    public Uni<EnvironmentView> create(RoutingContext ctx, JsonObject body) {
        CreateEnvironmentRequest request = json.bind(body, CreateEnvironmentRequest.class);
        return environments.createStandalone(Caller.tenantId(ctx), request).map(EnvironmentView::of);
    }

    @GET
    @Operation(summary = "List environments, newest first")
    public Uni<EnvironmentList> list(RoutingContext ctx, @RestQuery("page_size") String pageSize,
                                     @RestQuery("page_token") String pageToken) {
        return environments.list(Caller.tenantId(ctx), pageSize, pageToken);
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get an environment")
    public Uni<EnvironmentView> get(RoutingContext ctx, @RestPath String id) {
        return environments.get(Caller.tenantId(ctx), id).map(EnvironmentView::of);
    }

    @PATCH
    @Path("{id}")
    @Operation(summary = "Change an environment's network policy (update_mask=network); applies to its next request")
    public Uni<EnvironmentView> update(RoutingContext ctx, @RestPath String id,
                                       @RestQuery("update_mask") String updateMask, JsonObject body) {
        return environments.updateNetwork(Caller.tenantId(ctx), id, updateMask,
                        json.bind(body, com.fasterxml.jackson.databind.JsonNode.class))
                .map(EnvironmentView::of);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete an environment, its sandbox and its files")
    public Uni<Map<String, Object>> delete(RoutingContext ctx, @RestPath String id) {
        return environments.delete(Caller.tenantId(ctx), id).map(done -> Map.of());
    }

    /** {@code POST /v1/environments/{id}:exec}: the custom-method form of the public API. */
    @POST
    @Path("{target}")
    @Operation(summary = "Run a command in the environment ({id}:exec)")
    @RequestBody(content = @Content(schema = @Schema(implementation = ExecRequest.class)))
    public Uni<ExecResult> exec(RoutingContext ctx, @RestPath String target, JsonObject body) {
        if (!target.endsWith(EXEC_SUFFIX) || target.length() == EXEC_SUFFIX.length()) {
            throw ApiException.notFound("no such method; did you mean {id}:exec?");
        }
        ExecRequest request = json.bind(body, ExecRequest.class);
        if (request == null) {
            throw ApiException.invalidArgument("a JSON body with command is required");
        }
        return environments.exec(Caller.tenantId(ctx), target.substring(0, target.length() - EXEC_SUFFIX.length()), request);
    }

    @GET
    @Path("{id}/files")
    @Operation(summary = "List the workspace root")
    public Uni<FileList> root(RoutingContext ctx, @RestPath String id, @RestQuery boolean recursive,
                              @RestQuery("page_size") String pageSize, @RestQuery("page_token") String pageToken) {
        return environments.listFiles(Caller.tenantId(ctx), id, "", recursive, pageSize, pageToken);
    }

    @GET
    @Path("{id}/files/{path: .+}")
    @Operation(summary = "A file's metadata or a directory's listing (bytes with alt=media)")
    public Uni<FileList> files(RoutingContext ctx, @RestPath String id, @RestPath String path, @RestQuery boolean recursive,
                               @RestQuery("page_size") String pageSize, @RestQuery("page_token") String pageToken) {
        return environments.listFiles(Caller.tenantId(ctx), id, path, recursive, pageSize, pageToken);
    }
}
