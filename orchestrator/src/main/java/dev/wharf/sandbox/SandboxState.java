package dev.wharf.sandbox;

import java.time.Instant;

/**
 * What the engine reports about a sandbox container. {@code exitCode} is meaningful only when not running;
 * {@code finishedAt} is when it stopped, by the engine's record (null while running or when unknown).
 */
public record SandboxState(String containerId, String environmentId, boolean running, boolean oomKilled,
                           Integer exitCode, String error, Instant finishedAt) {

    public SandboxState(String containerId, String environmentId, boolean running, boolean oomKilled,
                        Integer exitCode, String error) {
        this(containerId, environmentId, running, oomKilled, exitCode, error, null);
    }
}
