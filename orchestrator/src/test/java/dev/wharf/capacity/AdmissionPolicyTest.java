package dev.wharf.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wharf.api.ApiException;
import dev.wharf.capacity.AdmissionPolicy.Candidate;
import dev.wharf.capacity.AdmissionPolicy.Decision;
import dev.wharf.capacity.AdmissionPolicy.Quota;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionPolicyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = T0.plusSeconds(3600);

    private static Candidate waiting(String id, String tenant, ServiceTier tier, int secondsAfterStart) {
        return new Candidate(id, tenant, tier, T0.plusSeconds(secondsAfterStart), null);
    }

    private static List<String> ids(Decision decision) {
        return decision.admitted().stream().map(Candidate::id).toList();
    }

    @Test
    void tiersAreServedPriorityThenStandardThenFlexWhateverTheirAge() {
        List<Candidate> queue = List.of(
                waiting("flex-old", "a", ServiceTier.FLEX, 1),
                waiting("standard", "a", ServiceTier.STANDARD, 2),
                waiting("priority-new", "a", ServiceTier.PRIORITY, 3));
        assertEquals(List.of("priority-new"), ids(AdmissionPolicy.choose(1, 0, Map.of(), queue, Map.of(), NOW)));
        assertEquals(List.of("priority-new", "standard", "flex-old"),
                ids(AdmissionPolicy.choose(3, 0, Map.of(), queue, Map.of(), NOW)));
    }

    @Test
    void nothingIsAdmittedWhenTheHostIsFull() {
        Decision decision = AdmissionPolicy.choose(2, 0, Map.of("env_1", "a", "int_2", "b"),
                List.of(waiting("x", "c", ServiceTier.PRIORITY, 1)), Map.of(), NOW);
        assertEquals(List.of(), ids(decision));
        assertEquals(2, decision.slotsInUse());
    }

    @Test
    void firstInFirstOutWithinATenant() {
        List<Candidate> queue = List.of(waiting("second", "a", ServiceTier.STANDARD, 2),
                waiting("first", "a", ServiceTier.STANDARD, 1), waiting("third", "a", ServiceTier.STANDARD, 3));
        assertEquals(List.of("first", "second"), ids(AdmissionPolicy.choose(2, 0, Map.of(), queue, Map.of(), NOW)));
    }

    @Test
    void tenantsTakeTurnsEvenWhenOneQueuedEverythingFirst() {
        List<Candidate> queue = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            queue.add(waiting("a" + i, "a", ServiceTier.STANDARD, i));
        }
        for (int i = 0; i < 4; i++) {
            queue.add(waiting("b" + i, "b", ServiceTier.STANDARD, 10 + i));
        }
        assertEquals(List.of("a0", "b0", "a1", "b1"),
                ids(AdmissionPolicy.choose(4, 0, Map.of(), queue, Map.of(), NOW)));
    }

    @Test
    void theTenantWithFewerSandboxesGoesFirst() {
        List<Candidate> queue = List.of(waiting("a-old", "a", ServiceTier.STANDARD, 1),
                waiting("b-new", "b", ServiceTier.STANDARD, 2));
        assertEquals(List.of("b-new"), ids(AdmissionPolicy.choose(2, 0, Map.of("env_a", "a"), queue, Map.of(), NOW)));
    }

    @Test
    void onEqualUsageTheTenantAdmittedLeastRecentlyGoesFirst() {
        List<Candidate> queue = List.of(waiting("a-old", "a", ServiceTier.STANDARD, 1),
                waiting("b-new", "b", ServiceTier.STANDARD, 2));
        Map<String, Quota> quotas = Map.of("a", new Quota(null, T0.plusSeconds(100)), "b", new Quota(null, T0));
        assertEquals(List.of("b-new"), ids(AdmissionPolicy.choose(1, 0, Map.of(), queue, quotas, NOW)));
    }

    @Test
    void aTenantAtItsLimitWaitsWhileOthersProceedEvenInALowerTier() {
        List<Candidate> queue = List.of(waiting("a-priority", "a", ServiceTier.PRIORITY, 1),
                waiting("b-flex", "b", ServiceTier.FLEX, 2));
        Map<String, Quota> quotas = Map.of("a", new Quota(1, null));
        Decision decision = AdmissionPolicy.choose(5, 0, Map.of("int_a", "a"), queue, quotas, NOW);
        assertEquals(List.of("b-flex"), ids(decision));
        assertEquals(2, decision.slotsInUse());
    }

    @Test
    void aTenantAtItsShareCannotStarveANewcomerHoweverLongItsQueue() {
        // The flooder queued long before, holds its share (2 of 4) and has far more waiting than the host has slots.
        List<Candidate> queue = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            queue.add(waiting("a" + i, "a", ServiceTier.STANDARD, i));
        }
        queue.add(waiting("b0", "b", ServiceTier.STANDARD, 100));
        Map<String, Quota> shares = Map.of("a", new Quota(2, NOW), "b", new Quota(2, null));
        Decision decision = AdmissionPolicy.choose(4, 0, Map.of("env_a1", "a", "env_a2", "a"), queue, shares, NOW);
        assertEquals(List.of("b0"), ids(decision));
        assertEquals(3, decision.slotsInUse());
    }

    @Test
    void capacityConfigsShareIsHalfTheHostAtLeastOneUnlessConfigured() {
        assertEquals(5, share(10, null));
        assertEquals(1, share(3, null));
        assertEquals(1, share(1, null));
        assertEquals(10, share(10, 10));
        assertEquals(3, share(10, 3));
    }

    private static int share(int maxSandboxes, Integer configured) {
        return new CapacityConfig() {
            @Override
            public int maxSandboxes() {
                return maxSandboxes;
            }

            @Override
            public java.util.Optional<Integer> defaultTenantMax() {
                return java.util.Optional.ofNullable(configured);
            }

            @Override
            public int flexHeadroom() {
                return 0;
            }

            @Override
            public String pollInterval() {
                return "off";
            }
        }.tenantShare();
    }

    @Test
    void aTenantLimitCountsWhatThisPassAdmits() {
        List<Candidate> queue = List.of(waiting("a1", "a", ServiceTier.STANDARD, 1),
                waiting("a2", "a", ServiceTier.STANDARD, 2), waiting("a3", "a", ServiceTier.STANDARD, 3));
        assertEquals(List.of("a1", "a2"),
                ids(AdmissionPolicy.choose(10, 0, Map.of(), queue, Map.of("a", new Quota(2, null)), NOW)));
    }

    @Test
    void flexLeavesTheHeadroomFreeButStandardMayUseIt() {
        List<Candidate> flexOnly = List.of(waiting("f1", "a", ServiceTier.FLEX, 1),
                waiting("f2", "a", ServiceTier.FLEX, 2));
        assertEquals(List.of("f1"), ids(AdmissionPolicy.choose(3, 1, Map.of("env_x", "b"), flexOnly, Map.of(), NOW)));
        List<Candidate> standard = List.of(waiting("s1", "a", ServiceTier.STANDARD, 1),
                waiting("s2", "a", ServiceTier.STANDARD, 2));
        assertEquals(List.of("s1", "s2"),
                ids(AdmissionPolicy.choose(3, 1, Map.of("env_x", "b"), standard, Map.of(), NOW)));
    }

    @Test
    void workInAnEnvironmentThatAlreadyHoldsASlotNeedsNoNewOne() {
        Candidate inStandalone = new Candidate("in-env", "a", ServiceTier.STANDARD, T0, "env_standalone");
        Candidate fresh = waiting("fresh", "a", ServiceTier.STANDARD, 5);
        Decision decision = AdmissionPolicy.choose(1, 0, Map.of("env_standalone", "a"), List.of(inStandalone, fresh),
                Map.of("a", new Quota(1, null)), NOW);
        assertEquals(List.of("in-env"), ids(decision));
        assertEquals(1, decision.slotsInUse());
    }

    @Test
    void workNeedingNoNewSlotIsNotHeldUpByOlderWorkThatNeedsOne() {
        Candidate blocked = waiting("needs-a-slot", "a", ServiceTier.STANDARD, 1);
        Candidate inStandalone = new Candidate("in-env", "a", ServiceTier.FLEX, T0.plusSeconds(2), "env_standalone");
        assertEquals(List.of("in-env"), ids(AdmissionPolicy.choose(1, 0, Map.of("env_standalone", "a"),
                List.of(blocked, inStandalone), Map.of(), NOW)));
    }

    @Test
    void twoWaitingTurnsOfOneEnvironmentShareTheSlotTheFirstTakes() {
        Candidate first = new Candidate("t1", "a", ServiceTier.STANDARD, T0, "env_idle");
        Candidate second = new Candidate("t2", "a", ServiceTier.STANDARD, T0.plusSeconds(1), "env_idle");
        Decision decision = AdmissionPolicy.choose(1, 0, Map.of(), List.of(first, second), Map.of(), NOW);
        assertEquals(List.of("t1", "t2"), ids(decision));
        assertEquals(1, decision.slotsInUse());
    }

    @Test
    void slotsHeldPerTenantComeFromTheSlotsInUse() {
        Map<String, String> slots = new HashMap<>(Map.of("env_1", "a", "env_2", "a"));
        List<Candidate> queue = List.of(waiting("a1", "a", ServiceTier.STANDARD, 1));
        assertEquals(List.of(), ids(AdmissionPolicy.choose(10, 0, slots, queue, Map.of("a", new Quota(2, null)), NOW)));
    }

    @Test
    void serviceTierIsValidatedAndDefaultsToStandard() {
        assertEquals(ServiceTier.STANDARD, ServiceTier.parse(null));
        assertEquals(ServiceTier.FLEX, ServiceTier.parse("flex"));
        assertEquals(ServiceTier.PRIORITY, ServiceTier.parse("priority"));
        assertThrows(ApiException.class, () -> ServiceTier.parse("deferred"));
        assertThrows(ApiException.class, () -> ServiceTier.parse("FLEX"));
        assertThrows(ApiException.class, () -> ServiceTier.parse(1));
        assertEquals(ServiceTier.STANDARD, ServiceTier.of(new JsonObject()));
        assertEquals(ServiceTier.FLEX, ServiceTier.of(new JsonObject().put("service_tier", "flex")));
    }
}
