package dev.wharf.environment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /v1/environments}. {@code network} is {@code "disabled"} or an allowlist object (see
 * {@link NetworkPolicy}); {@code env} maps names to a value or {@code {value}} / {@code {credential}} (a Wharf
 * extension here; Google's shape on an interaction's inline environment); {@code sources} are files placed in the
 * workspace before the environment is handed over.
 */
public record CreateEnvironmentRequest(Map<String, JsonNode> env, JsonNode network, List<Source> sources) {

    /** An inline file: {@code content} is text ({@code encoding} absent or "utf-8") or base64. */
    public record Source(String type, String target, String content, String encoding) {
    }
}
