package dev.wharf.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where sandboxes run. All calls block; callers run them off the event loop (see BlockingCalls).
 * Everything a provider creates carries the labels of {@link SandboxLabels} so it can be reconciled.
 */
public interface SandboxProvider {

    /** Creates the workspace (a size-limited file system and its volume) if absent, then starts a hardened container on it. */
    SandboxHandle start(SandboxSpec spec);

    /**
     * Stops and removes the container; a container that is already gone is not an error. Returns when the
     * container stopped, by the engine's record, or empty when the engine no longer knew it.
     */
    Optional<Instant> remove(String containerId);

    /** Removes a workspace volume, its file system and the files in it; an absent one is not an error. */
    void removeWorkspace(String volumeName);

    /** The container's current state, or empty when it no longer exists. */
    Optional<SandboxState> inspect(String containerId);

    /** Every sandbox container of this deployment, running or not. */
    List<SandboxState> list();

    /** Every workspace of this deployment by volume name: volumes and file system images alike. */
    List<String> listWorkspaces();
}
