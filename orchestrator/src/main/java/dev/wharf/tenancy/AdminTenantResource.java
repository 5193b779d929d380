package dev.wharf.tenancy;

import dev.wharf.tenant.ApiKey;
import dev.wharf.tenant.Tenant;
import dev.wharf.tenant.TenantService;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

/**
 * The admin API for tenants and their keys; the admin key (WHARF_ADMIN_KEY) guards it. It lives here, above the
 * tenant package, because deleting a tenant reaches into every package that owns something of a tenant's.
 */
@Path("/admin/v1/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Admin: tenants", description = "Needs the admin key (WHARF_ADMIN_KEY) in x-goog-api-key or as a Bearer token")
@SecurityRequirement(name = "AdminKey")
public class AdminTenantResource {
    private final TenantService tenants;
    private final TenantDeletion deletion;

    public AdminTenantResource(TenantService tenants, TenantDeletion deletion) {
        this.tenants = tenants;
        this.deletion = deletion;
    }

    @POST
    @Operation(summary = "Create a tenant: {id?, name?, limits?: {max_concurrent_sandboxes, default_timeout_seconds,"
            + " max_timeout_seconds, retention_days, environment_idle_ttl_seconds, environment_max_lifetime_seconds}}")
    public Uni<JsonObject> create(JsonObject body) {
        return tenants.create(body).map(Tenant::toJson);
    }

    @GET
    @Operation(summary = "List tenants")
    public Uni<JsonObject> list() {
        return tenants.list().map(all -> {
            JsonArray items = new JsonArray();
            all.forEach(tenant -> items.add(tenant.toJson()));
            return new JsonObject().put("tenants", items);
        });
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get a tenant with its limits")
    public Uni<JsonObject> get(@RestPath String id) {
        return tenants.get(id).map(Tenant::toJson);
    }

    @PATCH
    @Path("{id}")
    @Operation(summary = "Rename a tenant or change its limits; a limit set to null returns to the platform default")
    public Uni<JsonObject> update(@RestPath String id, JsonObject body) {
        return tenants.update(id, body).map(Tenant::toJson);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a tenant: its keys stop working at once, its running and queued work ends"
            + " `cancelled`, its environments (sandboxes and files), agents, webhooks and interactions are deleted",
            description = "Answers `{}` once that is done. Its usage records are kept for billing until its retention"
                    + " (`retention_days`, else the platform's) purges them; GET /admin/v1/usage?tenant_id= still"
                    + " reports them. The id is never reused. Deleting it again answers 404; a deletion a crash"
                    + " interrupted is finished by the deletion sweep, or by deleting again. The default tenant"
                    + " cannot be deleted (400 FAILED_PRECONDITION).")
    public Uni<JsonObject> delete(@RestPath String id) {
        return deletion.delete(id).map(done -> new JsonObject());
    }

    @POST
    @Path("{id}/keys")
    @Operation(summary = "Create an API key {name?}; the answer's `key` is the only time the key is shown")
    public Uni<JsonObject> createKey(@RestPath String id, JsonObject body) {
        return tenants.createKey(id, body).map(TenantService.CreatedKey::toJson);
    }

    @GET
    @Path("{id}/keys")
    @Operation(summary = "List a tenant's API keys (prefixes only)")
    public Uni<JsonObject> keys(@RestPath String id) {
        return tenants.keys(id).map(keys -> {
            JsonArray items = new JsonArray();
            keys.forEach(key -> items.add(key.toJson()));
            return new JsonObject().put("keys", items);
        });
    }

    @DELETE
    @Path("{id}/keys/{keyId}")
    @Operation(summary = "Revoke an API key: requests with it are refused from now on")
    public Uni<JsonObject> revoke(@RestPath String id, @RestPath String keyId) {
        return tenants.revokeKey(id, keyId).map(ApiKey::toJson);
    }
}
