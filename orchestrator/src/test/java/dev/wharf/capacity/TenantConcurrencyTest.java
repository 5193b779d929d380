package dev.wharf.capacity;

import static dev.wharf.support.GatedAgents.agentTask;
import static dev.wharf.support.GatedAgents.assertStaysQueued;
import static dev.wharf.support.GatedAgents.awaitRunning;
import static dev.wharf.support.GatedAgents.get;
import static dev.wharf.support.GatedAgents.release;
import static dev.wharf.support.GatedAgents.start;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wharf.support.GatedAgents;
import dev.wharf.support.Api;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import dev.wharf.tenant.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-tenant concurrency limits (tenant.max_concurrent_sandboxes) on a host with room to spare: a tenant at its
 * limit waits, others do not.
 */
@QuarkusTest
class TenantConcurrencyTest {
    private static final Duration WHILE = Duration.ofMillis(2500);

    @BeforeEach
    void script() {
        GatedAgents.script(ScriptedModel.server());
    }

    @AfterEach
    void cleanUp() {
        GatedAgents.cleanUp();
        Tenants.clearLimits(Tenant.DEFAULT_ID);
    }

    @Test
    void aTenantAtItsLimitQueuesItsNextInteractionAndIsRefusedAnEnvironment() {
        Tenants.setLimits(Tenant.DEFAULT_ID, Map.of("max_concurrent_sandboxes", 1));
        String first = start(null, agentTask("first", "background", true));
        awaitRunning(null, first);
        String second = start(null, agentTask("second", "background", true));
        assertStaysQueued(null, second, WHILE);
        Api.assertError(given().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments").then()
                .body("error.message", containsString("max_concurrent_sandboxes")), 429, "RESOURCE_EXHAUSTED");

        release(null, first);
        awaitRunning(null, second);
        release(null, second);
    }

    @Test
    void anotherTenantsWorkProceedsWhileATenantAtItsLimitWaits() {
        String limited = Tenants.create("limited", Map.of("max_concurrent_sandboxes", 1)).key();
        String other = Tenants.create("other").key();
        String first = start(limited, agentTask("limited, first", "background", true));

        awaitRunning(limited, first);
        String second = start(limited, agentTask("limited, second", "background", true));
        String others = start(other, agentTask("other tenant", "background", true));
        awaitRunning(other, others);
        assertEquals("queued", get(limited, second).getString("status"));
        release(other, others);
        assertStaysQueued(limited, second, WHILE);

        release(limited, first);
        awaitRunning(limited, second);
        release(limited, second);
    }
}
