package dev.wharf.runtime.tools;

import dev.wharf.runtime.files.Download;
import dev.wharf.runtime.files.WorkspaceFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code edit_file}: replaces one exact piece of text in a file. Requiring exactly one occurrence
 * keeps an edit from landing somewhere the model did not mean.
 */
public final class EditFileTool implements Tool {

    public static final String NAME = "edit_file";
    /**
     * Larger files are refused: the edit holds the file as bytes, as text and again as new bytes,
     * several times over inside the daemon's 64 MiB heap.
     */
    static final int MAX_EDIT_BYTES = 2 * 1024 * 1024;

    private static final Map<String, Object> PARAMETERS = ParameterSchema.object()
            .required("path", "string", "Path relative to the workspace")
            .required("old_text", "string", "Text that occurs exactly once in the file, whitespace included")
            .required("new_text", "string", "What replaces it")
            .toJson();

    private final WorkspaceFiles files;

    public EditFileTool(WorkspaceFiles files) {
        this.files = files;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Replaces old_text with new_text in a workspace text file. old_text must occur exactly once; "
                + "include enough surrounding lines to make it unique.";
    }

    @Override
    public Map<String, Object> parameters() {
        return PARAMETERS;
    }

    @Override
    public ToolOutput execute(ToolArguments arguments) throws IOException {
        String path = arguments.requiredString("path");
        String oldText = arguments.requiredString("old_text");
        String newText = arguments.requiredString("new_text");
        if (oldText.isEmpty()) {
            throw new ToolException("old_text must not be empty");
        }
        String content = readText(path);
        int first = content.indexOf(oldText);
        if (first < 0) {
            throw new ToolException("old_text was not found in " + path + "; read the file and copy the text exactly");
        }
        // Overlapping matches count: "aa" in "aaa" is ambiguous too.
        int occurrences = 1;
        for (int at = content.indexOf(oldText, first + 1); at >= 0; at = content.indexOf(oldText, at + 1)) {
            occurrences++;
        }
        if (occurrences > 1) {
            throw new ToolException("old_text occurs " + occurrences + " times in " + path
                    + "; include more surrounding text so it matches exactly once");
        }
        String edited = content.substring(0, first) + newText + content.substring(first + oldText.length());
        files.write(path, new ByteArrayInputStream(edited.getBytes(StandardCharsets.UTF_8)));
        return ToolOutput.success("replaced 1 occurrence in " + path);
    }

    /** Strict UTF-8: rewriting a binary file through a lenient decoder would corrupt it. */
    private String readText(String path) throws IOException {
        Download download = files.open(path);
        byte[] bytes;
        try (InputStream content = download.content()) {
            if (download.sizeBytes() > MAX_EDIT_BYTES) {
                throw new ToolException(path + " is larger than " + MAX_EDIT_BYTES
                        + " bytes; edit it with execute_code instead");
            }
            bytes = content.readAllBytes();
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ToolException(path + " is not UTF-8 text; edit it with execute_code instead");
        }
    }
}
