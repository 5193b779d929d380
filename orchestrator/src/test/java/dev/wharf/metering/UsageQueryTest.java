package dev.wharf.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageQueryTest {
    @Test
    void datesAndTimesAreAcceptedAndDefaultsLeftToTheDatabase() {
        UsageQuery query = UsageQuery.forTenant("t", "2026-07-01", "2026-07-02T12:00:00+02:00", "model");
        assertEquals(Instant.parse("2026-07-01T00:00:00Z"), query.from());
        assertEquals(Instant.parse("2026-07-02T10:00:00Z"), query.to());
        assertEquals(UsageQuery.GroupBy.MODEL, query.groupBy());
        assertEquals("t", query.tenantId());

        UsageQuery defaults = UsageQuery.forTenant("t", null, "", null);
        assertNull(defaults.from());
        assertNull(defaults.to());
        assertEquals(UsageQuery.GroupBy.DAY, defaults.groupBy());
    }

    @Test
    void onlyTheAdminGroupsByTenantAndMayLookAtEveryone() {
        assertEquals(UsageQuery.GroupBy.TENANT, UsageQuery.forAdmin(null, null, null, "tenant").groupBy());
        assertNull(UsageQuery.forAdmin(" ", null, null, "day").tenantId());
        invalid(() -> UsageQuery.forTenant("t", null, null, "tenant"));
    }

    @Test
    void badParametersAreInvalidArguments() {
        invalid(() -> UsageQuery.forTenant("t", null, null, "week"));
        invalid(() -> UsageQuery.forTenant("t", "yesterday", null, "day"));
        invalid(() -> UsageQuery.forTenant("t", "2026-13-01", null, "day"));
        invalid(() -> UsageQuery.forTenant("t", "2026-07-02", "2026-07-01", "day"));
        invalid(() -> UsageQuery.forAdmin(null, "2026-07-01", "2026-07-01", "day"));
    }

    private static void invalid(Runnable call) {
        assertEquals(ApiStatus.INVALID_ARGUMENT, assertThrows(ApiException.class, call::run).status());
    }
}
