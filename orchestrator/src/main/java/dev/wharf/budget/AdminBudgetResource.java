package dev.wharf.budget;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

/** A tenant's monthly budget, set by the platform's operators; the admin key guards it. */
@Path("/admin/v1/tenants/{id}/budget")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Admin: tenants",
        description = "Needs the admin key (WHARF_ADMIN_KEY) in x-goog-api-key or as a Bearer token")
@SecurityRequirement(name = "AdminKey")
public class AdminBudgetResource {
    static final String BUDGET_SHAPE = "Answers {tenant_id, sandbox_minutes, tokens, cost, currency, thresholds,"
            + " stop_running, period (YYYY-MM, UTC), consumed: {sandbox_minutes, tokens, cost}, exhausted,"
            + " alerts: [{budget, threshold, consumed, limit, fired_at}]}; a null limit is no limit.";

    private final BudgetService budgets;

    public AdminBudgetResource(BudgetService budgets) {
        this.budgets = budgets;
    }

    @GET
    @Operation(summary = "A tenant's monthly budget and this month's consumption", description = BUDGET_SHAPE)
    public Uni<JsonObject> get(@RestPath String id) {
        return budgets.get(id);
    }

    @PUT
    @Operation(summary = "Replace a tenant's monthly budget: {sandbox_minutes?, tokens?, cost?, thresholds?: [50, 80,"
            + " 100], stop_running?: false}",
            description = "Limits are per UTC calendar month; tokens counts input, output and thought tokens; cost is"
                    + " in the price book's currency. Crossing a threshold fires budget.threshold_reached once per"
                    + " period to the tenant's subscribed webhooks. At 100 % new interactions and environments are"
                    + " refused (429 RESOURCE_EXHAUSTED), and with stop_running the tenant's running interactions end"
                    + " budget_exceeded. " + BUDGET_SHAPE)
    public Uni<JsonObject> put(@RestPath String id, JsonObject body) {
        return budgets.replace(id, body);
    }
}
