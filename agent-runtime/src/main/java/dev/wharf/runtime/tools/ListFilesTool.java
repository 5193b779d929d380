package dev.wharf.runtime.tools;

import dev.wharf.runtime.files.FileEntry;
import dev.wharf.runtime.files.Listing;
import dev.wharf.runtime.files.WorkspaceFiles;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** {@code list_files}: what a workspace directory holds, one line per entry. */
public final class ListFilesTool implements Tool {

    public static final String NAME = "list_files";
    /** Far below what {@code GET /files} allows: every line costs the model context. */
    static final int MAX_ENTRIES = 1000;

    private static final Map<String, Object> PARAMETERS = ParameterSchema.object()
            .optional("path", "string", "Directory relative to the workspace; the workspace itself if omitted")
            .optional("recursive", "boolean", "Also list everything below, depth first (default false)")
            .toJson();

    private final WorkspaceFiles files;

    public ListFilesTool(WorkspaceFiles files) {
        this.files = files;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Lists the files and directories in a workspace directory with their sizes. Paths in the "
                + "answer are relative to the workspace; directories end with /.";
    }

    @Override
    public Map<String, Object> parameters() {
        return PARAMETERS;
    }

    @Override
    public ToolOutput execute(ToolArguments arguments) throws IOException {
        String path = arguments.optionalString("path", "");
        Listing listing = files.list(path, arguments.optionalBoolean("recursive", false));
        List<FileEntry> entries = listing.entries();
        if (entries.isEmpty()) {
            return ToolOutput.success("(empty directory)");
        }
        StringBuilder text = new StringBuilder();
        int shown = Math.min(entries.size(), MAX_ENTRIES);
        for (FileEntry entry : entries.subList(0, shown)) {
            if (entry.directory()) {
                text.append(entry.path()).append("/\n");
            } else {
                text.append(entry.path()).append(" (").append(entry.sizeBytes()).append(" bytes)\n");
            }
        }
        if (listing.truncated() || entries.size() > shown) {
            text.append("[truncated after ").append(shown).append(" entries; list a subdirectory instead]\n");
        }
        return ToolOutput.success(text.toString());
    }
}
