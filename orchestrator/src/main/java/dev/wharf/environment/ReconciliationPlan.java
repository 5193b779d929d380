package dev.wharf.environment;

import dev.wharf.sandbox.SandboxFailure;
import dev.wharf.sandbox.SandboxState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to do so that Docker matches the database, decided from one snapshot of each. Pure: every rule is
 * unit-tested without an engine.
 *
 * <ul>
 *   <li>A container no live environment owns is an orphan and is removed.</li>
 *   <li>An active environment whose container stopped is failed with the engine's diagnosis.</li>
 *   <li>An active environment whose container is missing is failed as lost, unless it changed after the
 *       container snapshot was taken (it may have been resumed onto a container the snapshot predates).</li>
 *   <li>A provisioning environment untouched for longer than {@code abandonedAfter} was left by a control plane
 *       that died mid-start: it is failed and its container removed.</li>
 *   <li>A workspace volume no environment names is removed.</li>
 * </ul>
 */
record ReconciliationPlan(List<String> orphanContainers, List<Stopped> stopped, List<String> orphanVolumes) {

    /** An environment to fail, and the container (if any) to remove with it. */
    record Stopped(String environmentId, String containerId, SandboxFailure failure) {
    }

    static ReconciliationPlan of(List<SandboxState> containers, Instant containersSeenAt, List<String> volumes,
                                 List<Environment> live, Set<String> knownVolumes, Instant now,
                                 Duration abandonedAfter) {
        Map<String, Environment> byId = new HashMap<>();
        live.forEach(env -> byId.put(env.id, env));
        List<String> orphans = new ArrayList<>();
        List<Stopped> stopped = new ArrayList<>();
        Set<String> seenContainers = new HashSet<>();
        Set<String> handled = new HashSet<>();

        for (SandboxState container : containers) {
            seenContainers.add(container.containerId());
            Environment env = container.environmentId() == null ? null : byId.get(container.environmentId());
            if (env == null) {
                orphans.add(container.containerId());
            } else if (env.status == EnvironmentStatus.ACTIVE) {
                if (!container.containerId().equals(env.containerId)) {
                    orphans.add(container.containerId());
                } else if (!container.running()) {
                    stopped.add(new Stopped(env.id, container.containerId(), SandboxFailure.diagnose(container)));
                    handled.add(env.id);
                }
            } else if (env.status == EnvironmentStatus.PROVISIONING && abandoned(env, now, abandonedAfter)) {
                stopped.add(new Stopped(env.id, container.containerId(), abandonedFailure()));
                handled.add(env.id);
            }
        }
        for (Environment env : live) {
            if (handled.contains(env.id)) {
                continue;
            }
            if (env.status == EnvironmentStatus.ACTIVE && !seenContainers.contains(env.containerId)
                    && env.updatedAt.isBefore(containersSeenAt)) {
                stopped.add(new Stopped(env.id, env.containerId, SandboxFailure.diagnose(null)));
            } else if (env.status == EnvironmentStatus.PROVISIONING && abandoned(env, now, abandonedAfter)) {
                stopped.add(new Stopped(env.id, null, abandonedFailure()));
            }
        }
        List<String> orphanVolumes = volumes.stream().filter(v -> !knownVolumes.contains(v)).toList();
        return new ReconciliationPlan(orphans, stopped, orphanVolumes);
    }

    private static boolean abandoned(Environment env, Instant now, Duration abandonedAfter) {
        return env.updatedAt.plus(abandonedAfter).isBefore(now);
    }

    private static SandboxFailure abandonedFailure() {
        return new SandboxFailure(SandboxFailure.Reason.START_FAILED, null,
                "the control plane stopped while this sandbox was starting");
    }
}
