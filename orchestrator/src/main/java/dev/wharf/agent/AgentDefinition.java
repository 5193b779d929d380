package dev.wharf.agent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What an agent is: instructions, the tools it may use ({@code tools}, in the public tool shape), defaults for
 * {@code agent_config}, and files every new environment starts with ({@code base_environment}).
 */
public record AgentDefinition(String id, String baseAgent, String description, String systemInstruction,
                              JsonArray tools, JsonObject agentConfig, JsonObject baseEnvironment,
                              String created, String updated) {

    /** The JSON the agents API returns. */
    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("id", id).put("base_agent", baseAgent);
        if (description != null) {
            json.put("description", description);
        }
        if (systemInstruction != null) {
            json.put("system_instruction", systemInstruction);
        }
        json.put("tools", tools == null ? new JsonArray() : tools);
        json.put("agent_config", agentConfig == null ? new JsonObject() : agentConfig);
        if (baseEnvironment != null) {
            json.put("base_environment", baseEnvironment);
        }
        if (created != null) {
            json.put("created", created);
        }
        if (updated != null) {
            json.put("updated", updated);
        }
        return json;
    }
}
