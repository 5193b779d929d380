package dev.wharf.environment;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vertx.core.json.JsonObject;

/** A file or directory in a workspace; {@code path} is relative to /workspace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FileEntry(String name, String path, String type, String sizeBytes, String mimeType, String created,
                        String modified) {

    static FileEntry fromDaemon(JsonObject json) {
        Long size = json.getLong("size_bytes");
        return new FileEntry(json.getString("name"), json.getString("path"), json.getString("type"),
                size == null ? null : size.toString(), json.getString("mime_type"), json.getString("created"),
                json.getString("modified"));
    }
}
