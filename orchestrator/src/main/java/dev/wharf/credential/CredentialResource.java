package dev.wharf.credential;

import dev.wharf.api.PageToken;
import dev.wharf.tenant.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** Credentials under /v1 and /v1beta. Secrets are write-only: no answer carries one. */
@Path("/{version: v1|v1beta}/credentials")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Credentials")
public class CredentialResource {
    private final CredentialService credentials;

    public CredentialResource(CredentialService credentials) {
        this.credentials = credentials;
    }

    @POST
    @Operation(summary = "Store a credential under an id of the caller's choosing; its secrets are never shown again")
    public Uni<JsonObject> create(RoutingContext ctx, JsonObject body) {
        return credentials.create(Caller.tenantId(ctx), body).map(Credential::toJson);
    }

    @GET
    @Operation(summary = "List credentials, newest first")
    public Uni<JsonObject> list(RoutingContext ctx, @RestQuery("page_size") String pageSize,
                                @RestQuery("page_token") String pageToken) {
        int size = PageToken.parsePageSize(pageSize);
        return credentials.list(Caller.tenantId(ctx), size, pageToken).map(found -> {
            List<Credential> page = found.size() > size ? found.subList(0, size) : found;
            JsonArray items = new JsonArray();
            page.forEach(credential -> items.add(credential.toJson()));
            JsonObject result = new JsonObject().put("credentials", items);
            if (found.size() > size) {
                Credential last = page.get(page.size() - 1);
                result.put("next_page_token", new PageToken(last.created(), last.id()).encode());
            }
            return result;
        });
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get a credential (id, type, status and times; never its secrets)")
    public Uni<JsonObject> get(RoutingContext ctx, @RestPath String id) {
        return credentials.get(Caller.tenantId(ctx), id).map(Credential::toJson);
    }

    @PATCH
    @Path("{id}")
    @Operation(summary = "Change the fields update_mask names (without one, those in the body); status revoked stops"
            + " its use for good")
    public Uni<JsonObject> update(RoutingContext ctx, @RestPath String id, @RestQuery("update_mask") String updateMask,
                                  JsonObject body) {
        return credentials.update(Caller.tenantId(ctx), id, updateMask, body).map(Credential::toJson);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a credential")
    public Uni<JsonObject> delete(RoutingContext ctx, @RestPath String id) {
        return credentials.delete(Caller.tenantId(ctx), id).map(done -> new JsonObject());
    }
}
