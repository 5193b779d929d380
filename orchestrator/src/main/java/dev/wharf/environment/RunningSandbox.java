package dev.wharf.environment;

/** An environment whose sandbox is up: where its daemon listens and the secret it accepts. */
public record RunningSandbox(String environmentId, String containerId, String address, String token) {
}
