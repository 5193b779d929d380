package dev.wharf.environment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** {@code POST /v1/environments/{id}:exec}: a bash string or an argv list, run in /workspace. */
public record ExecRequest(JsonNode command, Double timeoutSeconds, String cwd, Map<String, String> env) {
}
