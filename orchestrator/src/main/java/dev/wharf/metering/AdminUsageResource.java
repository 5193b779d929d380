package dev.wharf.metering;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

/** Usage across tenants, for the platform's operators; the admin key guards it. */
@Path("/admin/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Admin: usage", description = "Needs the admin key (WHARF_ADMIN_KEY)")
@SecurityRequirement(name = "AdminKey")
public class AdminUsageResource {
    private final UsageReports reports;

    public AdminUsageResource(UsageReports reports) {
        this.reports = reports;
    }

    @GET
    @Operation(summary = "Usage of every tenant, or of one, grouped by day, agent, model or tenant",
            description = UsageResource.REPORT_SHAPE + " With tenant_id the answer also names the tenant.")
    public Uni<JsonObject> report(@Parameter(description = "Only this tenant's usage") @RestQuery("tenant_id")
                                  String tenantId,
                                  @Parameter(description = "Start, inclusive: RFC 3339 time or UTC date; default the"
                                          + " start of this UTC month") @RestQuery("from") String from,
                                  @Parameter(description = "End, exclusive: RFC 3339 time or UTC date; default now")
                                  @RestQuery("to") String to,
                                  @Parameter(description = "day (default), agent, model or tenant")
                                  @RestQuery("group_by") String groupBy) {
        return reports.report(UsageQuery.forAdmin(tenantId, from, to, groupBy));
    }
}
