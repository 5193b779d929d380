package dev.wharf.runtime.gateway;

import dev.wharf.runtime.files.Artifact;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a run ended, as reported to {@code /finish}.
 *
 * @param status    {@code completed}, {@code requires_action}, {@code failed}, {@code incomplete}
 *                  or {@code cancelled}
 * @param errorCode null when there is no error to report
 */
public record RunFinish(String status, String errorCode, String errorMessage, List<Artifact> artifacts) {

    public RunFinish {
        artifacts = List.copyOf(artifacts);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", status);
        if (errorCode != null) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", errorCode);
            error.put("message", errorMessage);
            json.put("error", error);
        }
        List<Map<String, Object>> files = new ArrayList<>(artifacts.size());
        artifacts.forEach(artifact -> files.add(artifact.toJson()));
        json.put("artifacts", files);
        return json;
    }
}
