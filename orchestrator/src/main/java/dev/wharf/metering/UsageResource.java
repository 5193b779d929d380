package dev.wharf.metering;

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
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

/** The calling tenant's usage report, under /v1 and /v1beta (a Wharf extension). */
@Path("/{version: v1|v1beta}/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Usage", description = "Metered sandbox time, tokens and cost (Wharf extension)")
public class UsageResource {
    static final String REPORT_SHAPE = "Answers {from, to, group_by, currency, rows: [{key, sandbox_seconds,"
            + " input_tokens, output_tokens, thought_tokens, total_tokens, cost}], total: {sandbox_seconds,"
            + " input_tokens, output_tokens, thought_tokens, total_tokens, cost}}. Every figure is a number; cost is in"
            + " `currency` (the price book's, USD by default). A row's key is the UTC day (YYYY-MM-DD), the agent id,"
            + " the model id or the tenant id, and null for usage without one (sandbox time has no model; model"
            + " interactions have no agent). Usage is counted in [from, to) by when sandbox time started or tokens were"
            + " recorded; a running sandbox's time reaches the ledger at each checkpoint"
            + " (wharf.metering.checkpoint-interval). Bad parameters answer 400 INVALID_ARGUMENT.";

    private final UsageReports reports;

    public UsageResource(UsageReports reports) {
        this.reports = reports;
    }

    @GET
    @Operation(summary = "Usage of the calling tenant, grouped by day, agent or model", description = REPORT_SHAPE)
    public Uni<JsonObject> report(@Context RoutingContext ctx,
                                  @Parameter(description = "Start, inclusive: RFC 3339 time or UTC date; default the"
                                          + " start of this UTC month") @RestQuery("from") String from,
                                  @Parameter(description = "End, exclusive: RFC 3339 time or UTC date; default now")
                                  @RestQuery("to") String to,
                                  @Parameter(description = "day (default), agent or model")
                                  @RestQuery("group_by") String groupBy) {
        return reports.report(UsageQuery.forTenant(Caller.tenantId(ctx), from, to, groupBy));
    }
}
