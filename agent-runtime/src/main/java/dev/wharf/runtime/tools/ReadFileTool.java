package dev.wharf.runtime.tools;

import dev.wharf.runtime.files.Download;
import dev.wharf.runtime.files.WorkspaceFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code read_file}: the text of a workspace file, cut at a size a model context can take. */
public final class ReadFileTool implements Tool {

    public static final String NAME = "read_file";
    /** The most one call returns; larger files are cut, with a note saying so. */
    static final int MAX_READ_BYTES = 256 * 1024;

    private static final Map<String, Object> PARAMETERS = ParameterSchema.object()
            .required("path", "string", "Path relative to the workspace")
            .optional("max_bytes", "integer", "Read at most this many bytes (1 to " + MAX_READ_BYTES
                    + ", the default)")
            .toJson();

    private final WorkspaceFiles files;

    public ReadFileTool(WorkspaceFiles files) {
        this.files = files;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Reads a text file from the workspace (UTF-8). Files larger than max_bytes are cut, "
                + "with a note at the end.";
    }

    @Override
    public Map<String, Object> parameters() {
        return PARAMETERS;
    }

    /** Invalid UTF-8, or a character cut at the limit, shows as U+FFFD rather than failing. */
    @Override
    public ToolOutput execute(ToolArguments arguments) throws IOException {
        String path = arguments.requiredString("path");
        int maxBytes = arguments.optionalInteger("max_bytes", MAX_READ_BYTES, 1, MAX_READ_BYTES);
        Download download = files.open(path);
        byte[] kept;
        try (InputStream content = download.content()) {
            kept = content.readNBytes((int) Math.min(maxBytes, download.sizeBytes()));
        }
        String text = new String(kept, StandardCharsets.UTF_8);
        if (download.sizeBytes() > kept.length) {
            text += "\n[truncated: showing the first " + kept.length + " of " + download.sizeBytes() + " bytes]";
        }
        return ToolOutput.success(text);
    }
}
