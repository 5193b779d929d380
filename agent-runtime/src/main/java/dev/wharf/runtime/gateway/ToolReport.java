package dev.wharf.runtime.gateway;

import dev.wharf.runtime.tools.ToolImage;
import dev.wharf.runtime.tools.ToolOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The result of one built-in tool call, as reported to {@code /tool-results}. */
public record ToolReport(String callId, String name, ToolOutput output) {

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("call_id", callId);
        json.put("name", name);
        json.put("result", output.text());
        json.put("is_error", output.isError());
        if (!output.images().isEmpty()) {
            List<Map<String, Object>> images = new ArrayList<>();
            for (ToolImage image : output.images()) {
                images.add(image.toJson());
            }
            json.put("images", images);
        }
        return json;
    }
}
