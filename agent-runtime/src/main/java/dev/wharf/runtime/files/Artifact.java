package dev.wharf.runtime.files;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A file an agent run created or changed.
 *
 * @param path      relative to the workspace, {@code /} separated
 * @param sizeBytes the bytes actually hashed, so size and digest always describe the same content
 * @param sha256    lower-case hex
 */
public record Artifact(String path, String mimeType, long sizeBytes, String sha256) {

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("path", path);
        json.put("mime_type", mimeType);
        json.put("size_bytes", sizeBytes);
        json.put("sha256", sha256);
        return json;
    }
}
