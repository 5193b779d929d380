package dev.wharf.metering;

import dev.wharf.api.ApiException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A usage report's parameters as a caller gives them: {@code from} and {@code to} as RFC 3339 instants or UTC
 * dates ({@code 2026-07-01}), either may be absent (then the start of this UTC month and now); {@code group_by}
 * one of day, agent, model, and for the admin also tenant.
 */
public record UsageQuery(Instant from, Instant to, GroupBy groupBy, String tenantId) {

    public enum GroupBy {
        DAY, AGENT, MODEL, TENANT;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A tenant's own report: never grouped by tenant, always only its own usage. */
    public static UsageQuery forTenant(String tenantId, String from, String to, String groupBy) {
        UsageQuery query = new UsageQuery(instant("from", from), instant("to", to), groupBy(groupBy, false), tenantId);
        return query.checked();
    }

    /** The admin's report, across tenants or for one ({@code tenantId}). */
    public static UsageQuery forAdmin(String tenantId, String from, String to, String groupBy) {
        String tenant = tenantId == null || tenantId.isBlank() ? null
                : dev.wharf.api.RequestText.requireName("tenant_id", tenantId.trim());
        return new UsageQuery(instant("from", from), instant("to", to), groupBy(groupBy, true), tenant).checked();
    }

    private UsageQuery checked() {
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiException.invalidArgument("from must be before to");
        }
        return this;
    }

    private static GroupBy groupBy(String value, boolean admin) {
        if (value == null || value.isBlank()) {
            return GroupBy.DAY;
        }
        for (GroupBy grouping : GroupBy.values()) {
            if (grouping.wire().equals(value.trim()) && (admin || grouping != GroupBy.TENANT)) {
                return grouping;
            }
        }
        String allowed = Arrays.stream(GroupBy.values()).filter(g -> admin || g != GroupBy.TENANT)
                .map(GroupBy::wire).collect(Collectors.joining(", "));
        throw ApiException.invalidArgument("group_by must be one of " + allowed);
    }

    static Instant instant(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        try {
            if (text.length() == "yyyy-mm-dd".length()) {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.invalidArgument(field + " must be an RFC 3339 time (2026-07-01T00:00:00Z) or a date"
                    + " (2026-07-01), not " + text);
        }
    }
}
