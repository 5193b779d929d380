package dev.wharf.webhook;

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

/** Webhook subscriptions under /v1 and /v1beta, and their delivery attempts. */
@Path("/{version: v1|v1beta}/webhooks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Webhooks")
public class WebhookResource {
    private final WebhookService webhooks;

    public WebhookResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Operation(summary = "Subscribe a URI to events; the answer carries the signing secret, shown only here")
    public Uni<JsonObject> create(RoutingContext ctx, JsonObject body) {
        return webhooks.create(Caller.tenantId(ctx), body).map(Webhook::toJsonWithSecret);
    }

    @GET
    @Operation(summary = "List webhooks, newest first")
    public Uni<JsonObject> list(RoutingContext ctx, @RestQuery("page_size") String pageSize, @RestQuery("page_token") String pageToken) {
        int size = PageToken.parsePageSize(pageSize);
        return webhooks.list(Caller.tenantId(ctx), size, pageToken).map(found -> {
            List<Webhook> page = found.size() > size ? found.subList(0, size) : found;
            JsonArray items = new JsonArray();
            page.forEach(webhook -> items.add(webhook.toJson()));
            JsonObject result = new JsonObject().put("webhooks", items);
            if (found.size() > size) {
                Webhook last = page.get(page.size() - 1);
                result.put("next_page_token", new PageToken(last.created(), last.id()).encode());
            }
            return result;
        });
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get a webhook")
    public Uni<JsonObject> get(RoutingContext ctx, @RestPath String id) {
        return webhooks.get(Caller.tenantId(ctx), id).map(Webhook::toJson);
    }

    @PATCH
    @Path("{id}")
    @Operation(summary = "Change a webhook's uri, subscribed_events or state; enabling resets its failure count")
    public Uni<JsonObject> update(RoutingContext ctx, @RestPath String id, JsonObject body) {
        return webhooks.update(Caller.tenantId(ctx), id, body).map(Webhook::toJson);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a webhook and its delivery history")
    public Uni<JsonObject> delete(RoutingContext ctx, @RestPath String id) {
        return webhooks.delete(Caller.tenantId(ctx), id).map(done -> new JsonObject());
    }

    @GET
    @Path("{id}/deliveries")
    @Operation(summary = "Delivery attempts of a webhook, newest first (Wharf extension)")
    public Uni<JsonObject> deliveries(RoutingContext ctx, @RestPath String id,
                                      @RestQuery("page_size") String pageSize) {
        return webhooks.deliveries(Caller.tenantId(ctx), id, PageToken.parsePageSize(pageSize)).map(found -> {
            JsonArray items = new JsonArray();
            found.forEach(delivery -> items.add(delivery.toJson()));
            return new JsonObject().put("deliveries", items);
        });
    }
}
