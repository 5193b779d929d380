package dev.wharf.sandbox;

import java.util.Map;

/** The labels on every container, network and volume Wharf creates: who made it and for what. */
public final class SandboxLabels {
    public static final String MANAGED = "dev.wharf.managed";
    public static final String DEPLOYMENT = "dev.wharf.deployment";
    public static final String ENVIRONMENT = "dev.wharf.environment";
    public static final String KIND = "dev.wharf.kind";

    private SandboxLabels() {
    }

    public static Map<String, String> forSandbox(String deployment, String environmentId, String kind) {
        return Map.of(MANAGED, "true", DEPLOYMENT, deployment, ENVIRONMENT, environmentId, KIND, kind);
    }

    public static Map<String, String> forDeployment(String deployment, String kind) {
        return Map.of(MANAGED, "true", DEPLOYMENT, deployment, KIND, kind);
    }
}
