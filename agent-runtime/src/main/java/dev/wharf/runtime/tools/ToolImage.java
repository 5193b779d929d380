package dev.wharf.runtime.tools;

import java.util.LinkedHashMap;
import java.util.Map;

/** An image a tool returns next to its text, such as a screenshot. {@code data} is base64. */
public record ToolImage(String mimeType, String data) {

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mime_type", mimeType);
        json.put("data", data);
        return json;
    }
}
