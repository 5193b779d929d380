package dev.wharf.runtime.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * What a tool call produced for the model.
 *
 * @param text    the result the model reads; for an error, what went wrong
 * @param isError tells the model the call did not do what it asked
 */
public record ToolOutput(String text, boolean isError, List<ToolImage> images) {

    public ToolOutput {
        images = List.copyOf(images);
    }

    public static ToolOutput success(String text) {
        return new ToolOutput(text, false, List.of());
    }

    public static ToolOutput error(String text) {
        return new ToolOutput(text, true, List.of());
    }

    public ToolOutput withImage(ToolImage image) {
        List<ToolImage> more = new ArrayList<>(images);
        more.add(image);
        return new ToolOutput(text, isError, more);
    }
}
