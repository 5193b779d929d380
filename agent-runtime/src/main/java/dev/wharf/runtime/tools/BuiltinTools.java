package dev.wharf.runtime.tools;

import dev.wharf.runtime.browser.HeadlessChromium;
import dev.wharf.runtime.exec.CommandRunner;
import dev.wharf.runtime.files.WorkspaceFiles;
import java.util.ArrayList;
import java.util.List;

/** Every built-in tool the runtime offers, and how a run picks the ones it may use. */
public final class BuiltinTools {

    /** All built-in tool names, in the order they are declared to the model. */
    public static final List<String> NAMES = List.of(ExecuteCodeTool.NAME, ReadFileTool.NAME, WriteFileTool.NAME,
            EditFileTool.NAME, ListFilesTool.NAME, BrowseTool.NAME);

    private final WorkspaceFiles files;
    private final CommandRunner commands;
    private final HeadlessChromium chromium;

    public BuiltinTools(WorkspaceFiles files, CommandRunner commands, HeadlessChromium chromium) {
        this.files = files;
        this.commands = commands;
        this.chromium = chromium;
    }

    /**
     * @param names which tools, all of them when null; every name must be in {@link #NAMES}
     */
    public ToolSet select(List<String> names, ToolLimits limits) {
        List<Tool> enabled = new ArrayList<>();
        for (Tool tool : all(limits)) {
            if (names == null || names.contains(tool.name())) {
                enabled.add(tool);
            }
        }
        return new ToolSet(enabled);
    }

    /** Fresh instances per run: they are tiny, and the limits differ from run to run. */
    private List<Tool> all(ToolLimits limits) {
        return List.of(new ExecuteCodeTool(commands, limits), new ReadFileTool(files), new WriteFileTool(files),
                new EditFileTool(files), new ListFilesTool(files), new BrowseTool(chromium));
    }
}
