package dev.wharf.agent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;

/** The agents every Wharf has. {@code default}: a general coding, data and browsing agent for /workspace. */
public final class BuiltInAgents {
    public static final String DEFAULT = "default";

    static final String DEFAULT_INSTRUCTION = """
            You are an autonomous agent working in a Linux sandbox. Your working directory is /workspace; \
            files you create there are returned to the user as artifacts. Python 3 (pandas, numpy, matplotlib, \
            requests), bash, git, curl and a headless browser are available. Work step by step: use tools to \
            inspect, compute and verify rather than guessing, keep outputs in /workspace, and finish with a short \
            summary of what you did and which files you produced.""";

    private static final Map<String, AgentDefinition> AGENTS = Map.of(DEFAULT, new AgentDefinition(
            DEFAULT, DEFAULT, "General-purpose agent: runs code, manages files and browses the web in its sandbox",
            DEFAULT_INSTRUCTION, new JsonArray(), new JsonObject(), null, null, null));

    private BuiltInAgents() {
    }

    public static Optional<AgentDefinition> find(String id) {
        return Optional.ofNullable(AGENTS.get(id));
    }

    public static boolean isBuiltIn(String id) {
        return AGENTS.containsKey(id);
    }
}
