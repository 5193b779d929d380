package dev.wharf.budget;

import dev.wharf.tenant.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The calling tenant's own budget and this month's consumption, read-only (a Wharf extension). */
@Path("/{version: v1|v1beta}/budget")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Usage", description = "Metered sandbox time, tokens and cost (Wharf extension)")
public class BudgetResource {
    private final BudgetService budgets;

    public BudgetResource(BudgetService budgets) {
        this.budgets = budgets;
    }

    @GET
    @Operation(summary = "The calling tenant's monthly budget and consumption",
            description = AdminBudgetResource.BUDGET_SHAPE)
    public Uni<JsonObject> get(@Context RoutingContext ctx) {
        return budgets.view(Caller.tenantId(ctx));
    }
}
