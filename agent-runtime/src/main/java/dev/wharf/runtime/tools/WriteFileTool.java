package dev.wharf.runtime.tools;

import dev.wharf.runtime.files.FileEntry;
import dev.wharf.runtime.files.WorkspaceFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code write_file}: creates or replaces a workspace file. It goes through the same atomic write
 * as an upload, so a command reading the file never sees half of it.
 */
public final class WriteFileTool implements Tool {

    public static final String NAME = "write_file";

    private static final Map<String, Object> PARAMETERS = ParameterSchema.object()
            .required("path", "string", "Path relative to the workspace; missing directories are created")
            .required("content", "string", "The complete new content of the file")
            .toJson();

    private final WorkspaceFiles files;

    public WriteFileTool(WorkspaceFiles files) {
        this.files = files;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Writes a text file (UTF-8) in the workspace, replacing it if it exists.";
    }

    @Override
    public Map<String, Object> parameters() {
        return PARAMETERS;
    }

    @Override
    public ToolOutput execute(ToolArguments arguments) throws IOException {
        String path = arguments.requiredString("path");
        byte[] content = arguments.requiredString("content").getBytes(StandardCharsets.UTF_8);
        FileEntry written = files.write(path, new ByteArrayInputStream(content));
        return ToolOutput.success("wrote " + written.sizeBytes() + " bytes to " + written.path());
    }
}
