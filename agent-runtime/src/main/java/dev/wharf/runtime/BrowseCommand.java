package dev.wharf.runtime;

import dev.wharf.runtime.browser.BrowserNetwork;
import dev.wharf.runtime.browser.HeadlessChromium;
import dev.wharf.runtime.exec.CommandRunner;
import dev.wharf.runtime.exec.OomKillCounter;
import dev.wharf.runtime.files.EntryRemoval;
import dev.wharf.runtime.files.Workspace;
import dev.wharf.runtime.files.WorkspaceFiles;
import dev.wharf.runtime.tools.BrowseTool;
import dev.wharf.runtime.tools.BuiltinTools;
import dev.wharf.runtime.tools.ToolLimits;
import dev.wharf.runtime.tools.ToolOutput;
import dev.wharf.runtime.tools.ToolSet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code browse URL}: one call of the agent's browse tool, outside the daemon, as whoever runs it, with the daemon's
 * wiring (Chromium, the proxy and CAs from the environment, the same flags). It prints what the model would read and
 * exits 0 for a page, 1 for an error result, so a sandbox's browser set-up can be checked from a command
 * (sandbox-image/check-egress-clients.sh does).
 */
final class BrowseCommand {

    static final String USAGE = "usage: agent-runtime browse URL\n";

    private BrowseCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2) {
            err.print(USAGE);
            return Main.EXIT_USAGE;
        }
        ExecutorService readers = Executors.newCachedThreadPool(NamedThreads.background("wharf-browse-output"));
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("wharf-browse-");
            Workspace workspace = new Workspace(scratch);
            try (CommandRunner commands = new CommandRunner(workspace, new OomKillCounter(List.of()), readers,
                    Set.of(Daemon.TOKEN_VARIABLE), Optional.empty())) {
                HeadlessChromium chromium = new HeadlessChromium(Daemon.chromiumBinary(), commands,
                        BrowserNetwork.fromEnvironment(System.getenv(), BrowserNetwork.TRUSTED_CERTIFICATES));
                ToolSet tools = new BuiltinTools(new WorkspaceFiles(workspace), commands, chromium)
                        .select(List.of(BrowseTool.NAME), new ToolLimits(Duration.ofSeconds(60), 1 << 20));
                ToolOutput output = tools.execute(tools.find(BrowseTool.NAME).orElseThrow(),
                        Map.of("url", args[1]));
                out.println(output.text());
                return output.isError() ? Main.EXIT_FAILURE : 0;
            }
        } catch (IOException | RuntimeException e) {
            err.println("agent-runtime: browse: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } finally {
            readers.shutdownNow();
            if (scratch != null) {
                try {
                    EntryRemoval.removeTree(scratch);
                } catch (IOException e) {
                    // An empty directory left in /tmp.
                }
            }
        }
    }
}
