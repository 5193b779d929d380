package dev.wharf.runtime.files;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The answer to a listing: entries in depth-first order, and whether the cap cut it short. */
public record Listing(List<FileEntry> entries, boolean truncated) {

    public Map<String, Object> toJson() {
        List<Map<String, Object>> files = new ArrayList<>(entries.size());
        entries.forEach(entry -> files.add(entry.toJson()));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("files", files);
        if (truncated) {
            json.put("truncated", true);
        }
        return json;
    }
}
