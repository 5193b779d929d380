package dev.wharf.capacity;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which waiting agent interactions to admit now: a pure function of the slots in use, the waiting work and the
 * tenants' limits, so the rules can be tested without a database.
 * <ol>
 * <li>Tiers are strict: a priority interaction goes before any standard one, a standard one before any flex one.
 * Work that cannot be admitted only because its own tenant is at its limit does not hold back other tenants'
 * work, not even in a lower tier.</li>
 * <li>Within a tier, tenants take turns: the tenant with the fewest slots in use goes first, ties go to the
 * tenant admitted least recently (never admitted counts as longest ago), then to the oldest waiting work.</li>
 * <li>Within a tenant and tier, first in, first out: only the oldest waiting interaction is considered.</li>
 * <li>An interaction needs a slot unless the environment it will run in already holds one (a standalone
 * environment, or one another running interaction uses): a sandbox counts once however many runs share it. Such
 * work takes nothing from anyone, so it is admitted whatever waits before it.</li>
 * <li>Flex work may not take the last {@code flexHeadroom} slots.</li>
 * </ol>
 */
public final class AdmissionPolicy {

    private AdmissionPolicy() {
    }

    /**
     * An agent interaction waiting for a slot.
     *
     * @param targetEnvironment the existing environment it will run in, or null when it gets a new one
     */
    public record Candidate(String id, String tenantId, ServiceTier tier, Instant enqueuedAt,
                            String targetEnvironment) {
    }

    /**
     * A tenant's standing.
     *
     * @param limit        the most slots the tenant may hold, or null for no limit beyond the host's
     * @param lastAdmitted when the tenant last had work admitted, or null if never
     */
    public record Quota(Integer limit, Instant lastAdmitted) {
    }

    /** What to admit, in order, and how many slots are in use once it is. */
    public record Decision(List<Candidate> admitted, int slotsInUse) {
    }

    /**
     * @param capacity     the host's slots
     * @param flexHeadroom slots flex work may not take
     * @param slotTenants  the slots in use: slot key (an environment id, or the id of an interaction not yet in
     *                     one) to the tenant holding it
     * @param waiting      waiting work, any order
     * @param quotas       per tenant of the waiting work; a missing tenant has no limit
     * @param now          the admission time, recorded as the admitted tenants' latest admission
     */
    public static Decision choose(int capacity, int flexHeadroom, Map<String, String> slotTenants,
                                  List<Candidate> waiting, Map<String, Quota> quotas, Instant now) {
        Set<String> slots = new HashSet<>(slotTenants.keySet());
        Map<String, Integer> held = new HashMap<>();
        slotTenants.values().forEach(tenant -> held.merge(tenant, 1, Integer::sum));
        Map<String, Instant> lastAdmitted = new HashMap<>();
        quotas.forEach((tenant, quota) -> {
            if (quota.lastAdmitted() != null) {
                lastAdmitted.put(tenant, quota.lastAdmitted());
            }
        });

        Map<ServiceTier, Map<String, Deque<Candidate>>> queues = new EnumMap<>(ServiceTier.class);
        waiting.stream().sorted(Comparator.comparing(Candidate::enqueuedAt).thenComparing(Candidate::id))
                .forEach(c -> queues.computeIfAbsent(c.tier(), t -> new TreeMap<>())
                        .computeIfAbsent(c.tenantId(), t -> new ArrayDeque<>()).add(c));

        List<Candidate> admitted = new ArrayList<>();
        while (true) {
            Candidate next = oldestSharing(queues, slots);
            if (next == null) {
                next = nextByTurn(queues, capacity, flexHeadroom, slots, held, lastAdmitted, quotas);
            }
            if (next == null) {
                return new Decision(admitted, slots.size());
            }
            queues.get(next.tier()).get(next.tenantId()).remove(next);
            if (!shares(next, slots)) {
                slots.add(next.targetEnvironment() != null ? next.targetEnvironment() : next.id());
                held.merge(next.tenantId(), 1, Integer::sum);
            }
            lastAdmitted.put(next.tenantId(), now);
            admitted.add(next);
        }
    }

    /** The oldest waiting work, anywhere in the queue, whose environment already holds a slot. */
    private static Candidate oldestSharing(Map<ServiceTier, Map<String, Deque<Candidate>>> queues, Set<String> slots) {
        return queues.values().stream().flatMap(byTenant -> byTenant.values().stream()).flatMap(Deque::stream)
                .filter(c -> shares(c, slots))
                .min(Comparator.comparing(Candidate::enqueuedAt).thenComparing(Candidate::id)).orElse(null);
    }

    /** The tenants' oldest work in the highest tier where any fits, and among those the tenant whose turn it is. */
    private static Candidate nextByTurn(Map<ServiceTier, Map<String, Deque<Candidate>>> queues, int capacity,
                                       int flexHeadroom, Set<String> slots, Map<String, Integer> held,
                                       Map<String, Instant> lastAdmitted, Map<String, Quota> quotas) {
        Comparator<Candidate> turn = Comparator
                .comparing((Candidate c) -> held.getOrDefault(c.tenantId(), 0))
                .thenComparing(c -> lastAdmitted.get(c.tenantId()), Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(Candidate::enqueuedAt)
                .thenComparing(Candidate::id);
        for (ServiceTier tier : ServiceTier.admissionOrder()) {
            int tierCapacity = tier == ServiceTier.FLEX ? capacity - flexHeadroom : capacity;
            Candidate next = queues.getOrDefault(tier, Map.of()).values().stream()
                    .map(Deque::peekFirst)
                    .filter(head -> head != null && hasRoom(head, slots.size(), tierCapacity, held, quotas))
                    .min(turn).orElse(null);
            if (next != null) {
                return next;
            }
        }
        return null;
    }

    private static boolean shares(Candidate candidate, Set<String> slots) {
        return candidate.targetEnvironment() != null && slots.contains(candidate.targetEnvironment());
    }

    private static boolean hasRoom(Candidate candidate, int inUse, int tierCapacity, Map<String, Integer> held,
                                   Map<String, Quota> quotas) {
        Quota quota = quotas.get(candidate.tenantId());
        Integer limit = quota == null ? null : quota.limit();
        return inUse < tierCapacity && (limit == null || held.getOrDefault(candidate.tenantId(), 0) < limit);
    }
}
