package dev.wharf.interaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wharf.api.ApiException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which timeout an interaction runs with: asked for, defaulted and capped. */
class InteractionTimeoutTest {
    static final Duration PLATFORM_DEFAULT = Duration.ofMinutes(30);
    static final Duration PLATFORM_MAX = Duration.ofHours(24);

    static InteractionTimeout limits(Integer tenantDefault, Integer tenantMax, Integer agent) {
        return new InteractionTimeout(PLATFORM_DEFAULT, PLATFORM_MAX,
                tenantDefault == null ? null : Duration.ofSeconds(tenantDefault),
                tenantMax == null ? null : Duration.ofSeconds(tenantMax),
                agent == null ? null : Duration.ofSeconds(agent));
    }

    @Test
    void nothingSetGivesThePlatformDefault() {
        assertEquals(PLATFORM_DEFAULT, limits(null, null, null).effective(null));
    }

    @Test
    void aRequestWithinEveryCapRunsAsAsked() {
        assertEquals(Duration.ofSeconds(90), limits(60, 600, 300).effective(Duration.ofSeconds(90)));
    }

    @Test
    void aRequestAboveAnyCapRunsWithTheSmallestCap() {
        assertEquals(PLATFORM_MAX, limits(null, null, null).effective(Duration.ofDays(30)));
        assertEquals(Duration.ofSeconds(600), limits(null, 600, null).effective(Duration.ofHours(2)));
        assertEquals(Duration.ofSeconds(300), limits(null, 600, 300).effective(Duration.ofHours(2)));
        assertEquals(Duration.ofSeconds(120), limits(null, 120, 300).effective(Duration.ofHours(2)));
    }

    @Test
    void theDefaultIsTheTenantsThenTheAgentsThenThePlatforms() {
        assertEquals(Duration.ofSeconds(45), limits(45, null, 100).effective(null));
        assertEquals(Duration.ofSeconds(100), limits(null, null, 100).effective(null));
        assertEquals(PLATFORM_DEFAULT, limits(null, 3600, null).effective(null));
    }

    @Test
    void theDefaultIsCappedToo() {
        // The agent's timeout caps the tenant's default; a tenant maximum below the platform default caps that.
        assertEquals(Duration.ofSeconds(20), limits(45, null, 20).effective(null));
        assertEquals(Duration.ofSeconds(60), limits(null, 60, null).effective(null));
    }

    @Test
    void requestedTimeoutsAreParsedFromNumbersAndStrings() {
        String field = "agent_config.timeout_seconds";
        assertNull(InteractionTimeout.requested(new JsonObject(), field));
        assertEquals(Duration.ofSeconds(8), InteractionTimeout.requested(new JsonObject().put("timeout_seconds", 8), field));
        assertEquals(Duration.ofMillis(2500),
                InteractionTimeout.requested(new JsonObject().put("timeout_seconds", "2.5"), field));
        // Absurdly large values do not overflow: they are capped later like any other.
        assertEquals(PLATFORM_MAX, limits(null, null, null).effective(
                InteractionTimeout.requested(new JsonObject().put("timeout_seconds", 1e300), field)));
        for (Object bad : new Object[] {0, -5, "soon", true}) {
            ApiException error = assertThrows(ApiException.class,
                    () -> InteractionTimeout.requested(new JsonObject().put("timeout_seconds", bad), field));
            assertEquals(400, error.status().httpStatus());
        }
    }
}
