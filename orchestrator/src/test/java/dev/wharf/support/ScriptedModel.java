package dev.wharf.support;

import dev.wharf.model.ScriptedOpenAiServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Runs one scripted OpenAI-compatible model server for the whole test run and points the {@code openai}
 * provider at it. Tests script replies through {@link #server()} and reset it between scenarios.
 */
public class ScriptedModel implements QuarkusTestResourceLifecycleManager {
    /** A credential the control plane must send to the provider and must never hand to a sandbox. */
    public static final String API_KEY = "sk-wharf-test-credential";

    private static ScriptedOpenAiServer server;

    public static ScriptedOpenAiServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new ScriptedOpenAiServer();
        return Map.of("wharf.models.openai.base-url", server.baseUrl(), "wharf.models.openai.api-key", API_KEY);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
