package dev.wharf.runtime.files;

import java.util.LinkedHashMap;
import java.util.Map;

/** Disk use of the workspace, counted over regular files only. */
public record Usage(long fileCount, long sizeBytes) {

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("file_count", fileCount);
        json.put("size_bytes", sizeBytes);
        return json;
    }
}
