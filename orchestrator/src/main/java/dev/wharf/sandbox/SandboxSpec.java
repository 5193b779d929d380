package dev.wharf.sandbox;

import java.util.List;
import java.util.Map;

/**
 * What to start: the environment that owns the sandbox, the workspace volume that survives it and its hard size
 * (used when the workspace is first made; an existing one keeps its size), the secret its daemon accepts,
 * environment variables for the processes inside, and host files bound in read-only (the egress trust files).
 */
public record SandboxSpec(String environmentId, String volumeName, long workspaceBytes, String daemonToken,
                          Map<String, String> env, List<SandboxBindMount> mounts) {
}
