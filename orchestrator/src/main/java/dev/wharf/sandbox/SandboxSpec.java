package dev.wharf.sandbox;

import java.util.Map;

/**
 * What to start: the environment that owns the sandbox, the workspace volume that survives it and its hard size
 * (used when the workspace is first made; an existing one keeps its size), the secret its daemon accepts, and
 * environment variables for the processes inside.
 */
public record SandboxSpec(String environmentId, String volumeName, long workspaceBytes, String daemonToken,
                          Map<String, String> env) {
}
