package dev.wharf.sandbox;

/** A started sandbox: its container and the base URL of its daemon. */
public record SandboxHandle(String containerId, String daemonAddress) {
}
