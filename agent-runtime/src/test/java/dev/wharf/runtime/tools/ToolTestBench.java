package dev.wharf.runtime.tools;

import dev.wharf.runtime.browser.BrowserNetwork;
import dev.wharf.runtime.browser.HeadlessChromium;
import dev.wharf.runtime.exec.CommandRunner;
import dev.wharf.runtime.exec.OomKillCounter;
import dev.wharf.runtime.files.FileOwner;
import dev.wharf.runtime.files.Workspace;
import dev.wharf.runtime.files.WorkspaceFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The built-in tools wired as the daemon wires them, over a test workspace, called in-process. */
final class ToolTestBench implements AutoCloseable {

    static final ToolLimits LIMITS = new ToolLimits(Duration.ofSeconds(20), 64 * 1024);

    private final ExecutorService readers = Executors.newCachedThreadPool();
    private final CommandRunner commands;
    private final ToolSet tools;

    ToolTestBench(Path workspace, Path chromium) throws IOException {
        this(workspace, chromium, null, BrowserNetwork.direct());
    }

    ToolTestBench(Path workspace, Path chromium, BrowserNetwork network) throws IOException {
        this(workspace, chromium, null, network);
    }

    /** @param owner given to what the file tools create; null for none */
    ToolTestBench(Path workspace, Path chromium, FileOwner owner) throws IOException {
        this(workspace, chromium, owner, BrowserNetwork.direct());
    }

    private ToolTestBench(Path workspace, Path chromium, FileOwner owner, BrowserNetwork network) throws IOException {
        Workspace root = new Workspace(workspace);
        commands = new CommandRunner(root, new OomKillCounter(List.of()), readers, Set.of(), Optional.empty());
        WorkspaceFiles files = owner == null ? new WorkspaceFiles(root) : new WorkspaceFiles(root, owner);
        tools = new BuiltinTools(files, commands, new HeadlessChromium(chromium, commands, network))
                .select(null, LIMITS);
    }

    ToolSet tools() {
        return tools;
    }

    /** Calls a tool the way the loop does: by name, with the arguments the model sent. */
    ToolOutput call(String name, Object arguments) {
        Tool tool = tools.find(name).orElseThrow(() -> new AssertionError("no tool " + name));
        return tools.execute(tool, arguments);
    }

    ToolOutput call(String name, Map<String, Object> arguments) {
        return call(name, (Object) arguments);
    }

    @Override
    public void close() {
        commands.close();
        readers.shutdownNow();
    }
}
