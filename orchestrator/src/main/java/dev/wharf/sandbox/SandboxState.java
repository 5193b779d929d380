package dev.wharf.sandbox;

/**
 * What the engine reports about a sandbox container. {@code exitCode} is meaningful only when not running.
 */
public record SandboxState(String containerId, String environmentId, boolean running, boolean oomKilled,
                           Integer exitCode, String error) {
}
