package dev.wharf.environment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.sandbox.SandboxFailure;
import dev.wharf.sandbox.SandboxState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReconciliationPlanTest {
    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    private static final Duration ABANDONED = Duration.ofMinutes(5);

    private static Environment env(String id, EnvironmentStatus status, String container, Instant updated) {
        Environment env = new Environment();
        env.id = id;
        env.status = status;
        env.containerId = container;
        env.updatedAt = updated;
        env.volumeName = "wharf-ws-" + id;
        return env;
    }

    private static SandboxState running(String container, String env) {
        return new SandboxState(container, env, true, false, null, null);
    }

    private static ReconciliationPlan plan(List<SandboxState> containers, List<Environment> live) {
        return ReconciliationPlan.of(containers, NOW, List.of(), live, Set.of(), NOW, ABANDONED);
    }

    @Test
    void healthyActiveSandboxIsLeftAlone() {
        ReconciliationPlan plan = plan(List.of(running("c1", "e1")),
                List.of(env("e1", EnvironmentStatus.ACTIVE, "c1", NOW.minusSeconds(60))));
        assertTrue(plan.orphanContainers().isEmpty());
        assertTrue(plan.stopped().isEmpty());
    }

    @Test
    void containerWithoutLiveEnvironmentIsAnOrphan() {
        ReconciliationPlan plan = plan(List.of(running("c1", "gone"), running("c2", null)), List.of());
        assertEquals(List.of("c1", "c2"), plan.orphanContainers());
    }

    @Test
    void supersededContainerOfAnActiveEnvironmentIsAnOrphan() {
        ReconciliationPlan plan = plan(List.of(running("old", "e1"), running("new", "e1")),
                List.of(env("e1", EnvironmentStatus.ACTIVE, "new", NOW.minusSeconds(60))));
        assertEquals(List.of("old"), plan.orphanContainers());
        assertTrue(plan.stopped().isEmpty());
    }

    @Test
    void stoppedContainerFailsItsEnvironmentWithTheDiagnosis() {
        SandboxState oom = new SandboxState("c1", "e1", false, true, 137, null);
        ReconciliationPlan plan = plan(List.of(oom),
                List.of(env("e1", EnvironmentStatus.ACTIVE, "c1", NOW.minusSeconds(60))));
        assertEquals(1, plan.stopped().size());
        assertEquals(SandboxFailure.Reason.OOM_KILLED, plan.stopped().get(0).failure().reason());
        assertEquals("c1", plan.stopped().get(0).containerId());
    }

    @Test
    void missingContainerIsLostOnlyIfTheRowPredatesTheSnapshot() {
        Environment before = env("e1", EnvironmentStatus.ACTIVE, "c1", NOW.minusSeconds(60));
        Environment resumedSince = env("e2", EnvironmentStatus.ACTIVE, "c2", NOW.plusMillis(5));
        ReconciliationPlan plan = plan(List.of(), List.of(before, resumedSince));
        assertEquals(1, plan.stopped().size());
        assertEquals("e1", plan.stopped().get(0).environmentId());
        assertEquals(SandboxFailure.Reason.LOST, plan.stopped().get(0).failure().reason());
    }

    @Test
    void provisioningIsLeftAloneUntilAbandoned() {
        Environment fresh = env("e1", EnvironmentStatus.PROVISIONING, null, NOW.minusSeconds(10));
        Environment stale = env("e2", EnvironmentStatus.PROVISIONING, null, NOW.minus(ABANDONED).minusSeconds(1));
        ReconciliationPlan plan = plan(List.of(running("c1", "e1"), running("c2", "e2")), List.of(fresh, stale));
        assertTrue(plan.orphanContainers().isEmpty());
        assertEquals(1, plan.stopped().size());
        assertEquals("e2", plan.stopped().get(0).environmentId());
        assertEquals("c2", plan.stopped().get(0).containerId());
        assertEquals(SandboxFailure.Reason.START_FAILED, plan.stopped().get(0).failure().reason());
    }

    @Test
    void volumesNoEnvironmentNamesAreOrphans() {
        ReconciliationPlan plan = ReconciliationPlan.of(List.of(), NOW, List.of("wharf-ws-e1", "wharf-ws-x"),
                List.of(), Set.of("wharf-ws-e1"), NOW, ABANDONED);
        assertEquals(List.of("wharf-ws-x"), plan.orphanVolumes());
    }
}
