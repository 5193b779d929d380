package dev.wharf.runtime;

import com.sun.net.httpserver.HttpServer;
import dev.wharf.runtime.agent.AgentResource;
import dev.wharf.runtime.agent.AgentRuns;
import dev.wharf.runtime.browser.BrowserNetwork;
import dev.wharf.runtime.browser.HeadlessChromium;
import dev.wharf.runtime.exec.CommandRunner;
import dev.wharf.runtime.exec.CommandUser;
import dev.wharf.runtime.exec.ExecResource;
import dev.wharf.runtime.exec.OomKillCounter;
import dev.wharf.runtime.exec.ProcessLimitGuard;
import dev.wharf.runtime.files.FileOwner;
import dev.wharf.runtime.files.FilesResource;
import dev.wharf.runtime.files.UsageResource;
import dev.wharf.runtime.files.Workspace;
import dev.wharf.runtime.files.WorkspaceChanges;
import dev.wharf.runtime.files.WorkspaceFiles;
import dev.wharf.runtime.files.WorkspaceUsage;
import dev.wharf.runtime.http.BearerAuthentication;
import dev.wharf.runtime.http.Router;
import dev.wharf.runtime.tools.BuiltinTools;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;

/** The running daemon: wires the endpoints together and owns the server and its threads. */
public final class Daemon implements AutoCloseable {

    /** Where the control plane puts the token, and the variable commands must never see. */
    public static final String TOKEN_VARIABLE = "WHARF_SANDBOX_TOKEN";
    /** Where the browse tool finds Chromium, when not at {@link HeadlessChromium#DEFAULT_BINARY}. */
    public static final String CHROMIUM_VARIABLE = "WHARF_CHROMIUM";

    /**
     * Requests served at once; an exec holds its thread for the command's whole run, which is why
     * {@link CommandRunner#MAX_RUNNING} stays below this.
     */
    static final int REQUEST_THREADS = 32;
    /** Connections the kernel queues while every request thread is busy. */
    static final int CONNECTION_BACKLOG = 64;
    /** On shutdown, how long requests in flight may take to finish before the server closes. */
    static final int STOP_GRACE_SECONDS = 1;
    private static final String ANY_ADDRESS = "0.0.0.0";

    private final HttpServer server;
    private final ExecutorService requestThreads;
    private final ExecutorService outputReaders;
    private final CommandRunner commands;
    private final ProcessLimitGuard processLimit;
    private final AgentRuns agentRuns;

    private Daemon(HttpServer server, ExecutorService requestThreads, ExecutorService outputReaders,
                   CommandRunner commands, ProcessLimitGuard processLimit, AgentRuns agentRuns) {
        this.processLimit = processLimit;
        this.server = server;
        this.requestThreads = requestThreads;
        this.outputReaders = outputReaders;
        this.commands = commands;
        this.agentRuns = agentRuns;
    }

    /**
     * @param token null to serve without authentication
     * @param commandUser who commands run as; empty for the daemon's own user
     */
    public static Daemon start(int port, Path workspaceRoot, String token, Optional<CommandUser> commandUser)
            throws IOException {
        Files.createDirectories(workspaceRoot);
        Workspace workspace = new Workspace(workspaceRoot);
        ExecutorService outputReaders = Executors.newCachedThreadPool(NamedThreads.background("wharf-exec-output"));
        CommandRunner commands = new CommandRunner(workspace, OomKillCounter.ofOwnCgroup(), outputReaders,
                Set.of(TOKEN_VARIABLE), commandUser);
        ProcessLimitGuard processLimit = commands.processLimitGuard();
        processLimit.start();
        // What the daemon creates belongs to the command user, so user code can edit, chmod and delete it.
        WorkspaceFiles workspaceFiles = commandUser.isPresent()
                ? new WorkspaceFiles(workspace, new FileOwner(commandUser.get().uid(), commandUser.get().gid()))
                : new WorkspaceFiles(workspace);
        FilesResource files = new FilesResource(workspaceFiles);
        UsageResource usage = new UsageResource(new WorkspaceUsage(workspace));
        ExecResource exec = new ExecResource(commands);
        BuiltinTools builtinTools = new BuiltinTools(workspaceFiles, commands,
                new HeadlessChromium(chromiumBinary(), commands,
                        BrowserNetwork.fromEnvironment(System.getenv(), BrowserNetwork.TRUSTED_CERTIFICATES)));
        AgentRuns agentRuns = new AgentRuns(builtinTools, new WorkspaceChanges(workspace));
        AgentResource agent = new AgentResource(agentRuns);
        HealthResource health = new HealthResource(RuntimeVersion.current(), workspace.root().toString());

        Router router = new Router(token == null ? BearerAuthentication.disabled() : BearerAuthentication.requiring(token))
                .publicRoute("GET", "/health", health::health)
                .route("POST", "/exec", exec::exec)
                .route("GET", "/files", files::list)
                .route("DELETE", "/files", files::delete)
                .route("GET", "/files/content", files::download)
                .route("PUT", "/files/content", files::upload)
                .route("GET", "/usage", usage::usage)
                .route("POST", "/agent/runs", agent::start)
                .route("GET", "/agent/runs/{run_id}", agent::status)
                .route("POST", "/agent/runs/{run_id}/cancel", agent::cancel);

        HttpServer server = HttpServer.create(new InetSocketAddress(ANY_ADDRESS, port), CONNECTION_BACKLOG);
        ThreadPoolExecutor requestThreads = (ThreadPoolExecutor) Executors.newFixedThreadPool(REQUEST_THREADS,
                NamedThreads.workers("wharf-http"));
        // All at once, now: a command that exhausts the sandbox's process limit (a fork bomb) must not leave the
        // daemon unable to start the thread that would answer its health check.
        requestThreads.prestartAllCoreThreads();
        server.setExecutor(requestThreads);
        server.createContext("/", router);
        server.start();
        return new Daemon(server, requestThreads, outputReaders, commands, processLimit, agentRuns);
    }

    static Path chromiumBinary() {
        String configured = System.getenv(CHROMIUM_VARIABLE);
        return configured == null || configured.isBlank() ? HeadlessChromium.DEFAULT_BINARY : Path.of(configured);
    }

    /** The port actually bound, which differs from the requested one when that was 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting requests, kills commands still running, and releases the threads. */
    @Override
    public void close() {
        // Before the runner refuses new commands, so the loop stops instead of failing tool after tool.
        agentRuns.close();
        processLimit.close();
        commands.close();
        // A command can be mid-start, not yet known to the runner, when SIGTERM arrives; as the
        // sandbox's main process the daemon owns every process below it, so sweep them all.
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        server.stop(STOP_GRACE_SECONDS);
        requestThreads.shutdownNow();
        outputReaders.shutdownNow();
    }
}
