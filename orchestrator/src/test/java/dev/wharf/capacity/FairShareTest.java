package dev.wharf.capacity;

import static dev.wharf.support.GatedAgents.agentTask;
import static dev.wharf.support.GatedAgents.awaitRunning;
import static dev.wharf.support.GatedAgents.get;
import static dev.wharf.support.GatedAgents.release;
import static dev.wharf.support.GatedAgents.start;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.support.GatedAgents;
import dev.wharf.support.Api;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.Tenants;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The platform's default fair share on a host with four sandbox slots and no default-tenant-max configured: a tenant
 * without a limit of its own gets half the host, so one that floods the queue leaves room for the next tenant, whose
 * work starts while the flood still waits. A tenant's own max_concurrent_sandboxes overrides the share.
 */
@QuarkusTest
@TestProfile(FairShareTest.HostCapacityFour.class)
class FairShareTest {
    private static final int HOST = 4;
    private static final int SHARE = HOST / 2;
    /** Longer than the dispatcher's poll interval in tests (1 s): several passes ran and kept the flood waiting. */
    private static final Duration WHILE = Duration.ofMillis(3000);

    public static class HostCapacityFour implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wharf.capacity.max-sandboxes", String.valueOf(HOST));
        }
    }

    @BeforeEach
    void script() {
        GatedAgents.script(ScriptedModel.server());
    }

    @AfterEach
    void cleanUp() {
        GatedAgents.cleanUp();
    }

    @Test
    void aTenantFloodingTheQueueGetsItsShareAndAnotherTenantsWorkStartsWhileTheFloodWaits() {
        Tenants.Created flooder = Tenants.create("flooder");
        Tenants.Created latecomer = Tenants.create("latecomer");
        List<String> flood = new ArrayList<>();
        for (int i = 0; i < HOST + 2; i++) {
            flood.add(start(flooder.key(), agentTask("flood " + i, "background", true)));
        }
        awaitRunning(flooder.key(), flood.get(0));
        awaitRunning(flooder.key(), flood.get(1));

        // Half the host is still free, yet the flood stays at its share, pass after pass.
        long until = System.nanoTime() + WHILE.toNanos();
        do {
            assertEquals(SHARE, running(flooder.key(), flood), "the flooding tenant holds exactly its share");
            GatedAgents.pause(250);
        } while (System.nanoTime() < until);

        // The latecomer's work starts at once, ahead of the older flood, which still waits.
        String late = start(latecomer.key(), agentTask("late but fair", "background", true));
        awaitRunning(latecomer.key(), late);
        assertEquals(SHARE, running(flooder.key(), flood));
        assertEquals("queued", get(flooder.key(), flood.get(SHARE)).getString("status"));
        // A standalone environment of the flooder's counts against the same share.
        Api.assertError(flooder.as().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments").then()
                .body("error.message", containsString("fair share")), 429, "RESOURCE_EXHAUSTED");

        // The flood moves on as its own work ends, never beyond its share.
        release(flooder.key(), flood.get(0));
        awaitRunning(flooder.key(), flood.get(SHARE));
        assertEquals(SHARE, running(flooder.key(), flood));
        release(latecomer.key(), late);
    }

    @Test
    void aTenantsOwnLimitOverridesTheShare() {
        Tenants.Created big = Tenants.create("big", Map.of("max_concurrent_sandboxes", HOST));
        List<String> work = new ArrayList<>();
        for (int i = 0; i < SHARE + 1; i++) {
            work.add(start(big.key(), agentTask("big " + i, "background", true)));
        }
        work.forEach(id -> awaitRunning(big.key(), id));
        assertTrue(running(big.key(), work) > SHARE);
    }

    private static long running(String key, List<String> ids) {
        return ids.stream().filter(id -> "in_progress".equals(get(key, id).getString("status"))).count();
    }
}
