package dev.wharf.runtime.exec;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.files.Workspace;
import dev.wharf.runtime.files.WorkspacePath;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands in the workspace: one process per call, with a deadline, bounded output capture and
 * OOM diagnosis. Calls are independent and may run concurrently, up to {@link #MAX_RUNNING}.
 *
 * <p>Each command starts as the leader of a session of its own, under the {@link CommandUser} when one is
 * configured (with no capabilities left), and at a lower CPU priority than the daemon. The session is what a
 * timeout kills: every process the command started, including orphans re-parented away from it (a fork bomb's
 * children), unless one deliberately left the session. The priority keeps the daemon answering its health checks
 * while a command saturates the sandbox's CPU share.
 */
public final class CommandRunner implements AutoCloseable {

    /**
     * After the command exits, how long its output pipes may stay open. A background child
     * ({@code server &}) inherits them and can hold them for ever; the caller gets what arrived by
     * then instead of hanging.
     */
    static final Duration OUTPUT_GRACE = Duration.ofMillis(250);

    /** How often a run that ends on an OOM kill ({@link OnOomKill#END}) reads the counter: one small file read. */
    static final Duration OOM_POLL = Duration.ofMillis(200);

    /** The exit value Java, like bash, reports for a process ended by SIGKILL (128 + 9). */
    static final int KILLED_EXIT_CODE = 137;

    /**
     * Every command starts through this prologue, which makes it the kernel's preferred OOM victim
     * so a memory-hungry command dies instead of the daemon. Raising one's own score needs no
     * privilege; where /proc is read-only the command runs anyway.
     */
    private static final String OOM_VICTIM_PROLOGUE =
            "{ echo 1000 > /proc/self/oom_score_adj; } 2>/dev/null; exec \"$@\"";
    /** $0 of the prologue, which is what bash names in its own messages, e.g. "command not found". */
    private static final String PROLOGUE_NAME = "wharf-exec";
    private static final File NO_INPUT = new File("/dev/null");
    /**
     * Commands at once. Each exec request holds one of the daemon's request threads for the command's whole
     * run, so this stays below the daemon's thread count: health checks and file calls always find a thread.
     */
    public static final int MAX_RUNNING = 24;
    /**
     * Container variables meant for commands only, under this prefix (see {@link #commandEnvironment}); the control
     * plane's EgressProxyVariables uses the same one.
     */
    public static final String COMMAND_ONLY_PREFIX = "WHARF_COMMAND_ENV_";
    /** Niceness of commands: the daemon (0) gets about ten times their CPU weight when both want it. */
    static final int COMMAND_NICENESS = 10;

    private final Workspace workspace;
    private final OomKillCounter oomKills;
    private final Executor outputReaders;
    private final Set<String> hiddenVariables;
    private final Optional<CommandUser> user;
    private final Semaphore slots = new Semaphore(MAX_RUNNING);
    private final CommandSessions sessions = new CommandSessions();
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param outputReaders runs two pipe readers per command; they may outlive the call while a
     *                      background child holds a pipe, so its threads must not keep the JVM alive
     * @param hiddenVariables daemon environment variables commands must not see (the sandbox token)
     * @param user who commands run as; empty for the daemon's own user
     */
    public CommandRunner(Workspace workspace, OomKillCounter oomKills, Executor outputReaders,
                         Set<String> hiddenVariables, Optional<CommandUser> user) {
        this.workspace = workspace;
        this.oomKills = oomKills;
        this.outputReaders = outputReaders;
        this.hiddenVariables = Set.copyOf(hiddenVariables);
        this.user = user;
    }

    /** What a run does when the kernel kills a process of the sandbox for memory while the command runs. */
    public enum OnOomKill {
        /** Nothing: the command may well survive losing a child, and only its own SIGKILL counts as an OOM kill. */
        CONTINUE,
        /**
         * End the command at once and report it OOM-killed: for programs that hang rather than fail when one of
         * their processes dies (a browser whose renderer was killed waits for a page that never comes).
         */
        END
    }

    public ExecResult run(ExecRequest request) throws IOException {
        return run(request, OnOomKill.CONTINUE);
    }

    public ExecResult run(ExecRequest request, OnOomKill onOomKill) throws IOException {
        if (!slots.tryAcquire()) {
            throw new RequestException(ErrorStatus.BUSY, MAX_RUNNING
                    + " commands are already running in this sandbox; wait for one to finish");
        }
        try {
            return runHoldingSlot(request, onOomKill);
        } finally {
            slots.release();
        }
    }

    private ExecResult runHoldingSlot(ExecRequest request, OnOomKill onOomKill) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(launch(request.argv()))
                .directory(workingDirectory(request.cwd()).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(NO_INPUT));
        Map<String, String> environment = builder.environment();
        commandEnvironment(environment, hiddenVariables);
        environment.putAll(request.env());

        OptionalLong oomKillsBefore = oomKills.read();
        long started = System.nanoTime();
        Process process = start(builder);
        sessions.started(process.pid());
        running.add(process);
        try {
            // Checked after registering, and close() sets the flag before it looks: a command
            // started while the daemon shuts down is killed by one side or the other.
            if (closed) {
                throw new IOException("the daemon is shutting down");
            }
            OutputCapture stdout = new OutputCapture(process.getInputStream(), request.maxOutputBytes());
            OutputCapture stderr = new OutputCapture(process.getErrorStream(), request.maxOutputBytes());
            outputReaders.execute(stdout);
            outputReaders.execute(stderr);

            Ending ending = await(process, request.timeout(),
                    onOomKill == OnOomKill.END ? oomKillsBefore : OptionalLong.empty());
            boolean timedOut = ending == Ending.TIMED_OUT;
            if (ending != Ending.EXITED) {
                ProcessTree.kill(process.toHandle());
                process.waitFor();
            }
            long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            int exitCode = process.exitValue();

            long outputDeadline = System.nanoTime() + OUTPUT_GRACE.toNanos();
            stdout.awaitEnd(outputDeadline);
            stderr.awaitEnd(outputDeadline);

            boolean processLimitKilled = sessions.wasEndedAtLimit(process.pid());
            boolean oomKilled = ending == Ending.OOM_KILL_SEEN || !timedOut && !processLimitKilled
                    && exitCode == KILLED_EXIT_CODE && increased(oomKillsBefore, oomKills.read());
            return new ExecResult(exitCode, stdout.seal(), stderr.seal(), durationMs, timedOut, oomKilled,
                    processLimitKilled);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the command ran");
        } finally {
            running.remove(process);
            if (process.isAlive()) {
                ProcessTree.kill(process.toHandle());
            }
        }
    }

    /**
     * Turns the daemon's environment into the base of a command's (the request's own variables go on top): drops the
     * hidden variables, and gives each {@value #COMMAND_ONLY_PREFIX}NAME variable to the command as NAME, never under
     * the prefixed name. That is how the control plane sets variables the daemon's own process must not have, though
     * it starts from the same container environment: {@code JAVA_TOOL_OPTIONS} with the egress proxy's settings
     * would make the daemon's JVM print "Picked up ..." and take the proxy for its own calls.
     */
    static void commandEnvironment(Map<String, String> environment, Set<String> hiddenVariables) {
        environment.keySet().removeAll(hiddenVariables);
        Map<String, String> commandOnly = new HashMap<>();
        environment.entrySet().removeIf(variable -> {
            if (!variable.getKey().startsWith(COMMAND_ONLY_PREFIX)) {
                return false;
            }
            String name = variable.getKey().substring(COMMAND_ONLY_PREFIX.length());
            if (!name.isEmpty() && !hiddenVariables.contains(name)) {
                commandOnly.put(name, variable.getValue());
            }
            return true;
        });
        environment.putAll(commandOnly);
    }

    private enum Ending { EXITED, TIMED_OUT, OOM_KILL_SEEN }

    /**
     * Waits for the command until its deadline; with a counter reading to watch, also until the sandbox's OOM-kill
     * counter passes it (read every {@link #OOM_POLL}).
     */
    private Ending await(Process process, Duration timeout, OptionalLong watchFrom) throws InterruptedException {
        if (watchFrom.isEmpty()) {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? Ending.EXITED : Ending.TIMED_OUT;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Ending.TIMED_OUT;
            }
            if (process.waitFor(Math.min(left, OOM_POLL.toNanos()), TimeUnit.NANOSECONDS)) {
                return Ending.EXITED;
            }
            if (increased(watchFrom, oomKills.read())) {
                return Ending.OOM_KILL_SEEN;
            }
        }
    }

    /** The user commands run as, if not the daemon's own. */
    public Optional<CommandUser> user() {
        return user;
    }

    /** A guard over the sandbox's process limit for the commands this runner starts; the caller starts it. */
    public ProcessLimitGuard processLimitGuard() {
        return ProcessLimitGuard.ofOwnCgroup(sessions, user);
    }

    /** The same over a given pids cgroup directory. */
    ProcessLimitGuard processLimitGuard(Path cgroup) {
        return new ProcessLimitGuard(Optional.of(cgroup), sessions, user);
    }

    /**
     * Kills whatever is still running and refuses new commands; the daemon is going away and
     * nobody will collect results.
     */
    @Override
    public void close() {
        closed = true;
        running.forEach(process -> ProcessTree.kill(process.toHandle()));
    }

    private Path workingDirectory(String cwd) throws IOException {
        WorkspacePath directory = workspace.locate(cwd);
        if (!Files.isDirectory(directory.location())) {
            throw RequestException.invalid("cwd is not an existing directory: " + cwd);
        }
        return directory.location();
    }

    /** A fork that fails for want of processes is the sandbox's limit, not the daemon's fault. */
    private static Process start(ProcessBuilder builder) throws IOException {
        try {
            return builder.start();
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("error=11") || message.contains("Resource temporarily unavailable")) {
                throw new RequestException(ErrorStatus.BUSY, "the sandbox has reached its process "
                        + "limit, so the command could not start; end some of its processes and try again");
            }
            throw e;
        }
    }

    /**
     * setpriv switches to the command user and clears the capabilities the daemon holds (inheritable and
     * ambient: with those empty, and no-new-privileges set on the sandbox, the command's exec leaves it none);
     * setsid makes the command a session leader; nice lowers its priority; then the OOM prologue.
     */
    private List<String> launch(List<String> argv) {
        List<String> command = new ArrayList<>();
        user.ifPresent(u -> command.addAll(List.of("setpriv", "--reuid=" + u.uid(), "--regid=" + u.gid(),
                "--clear-groups", "--inh-caps=-all", "--ambient-caps=-all", "--")));
        command.addAll(List.of("setsid", "--wait", "nice", "-n", Integer.toString(COMMAND_NICENESS)));
        command.add("bash");
        command.add("-c");
        command.add(OOM_VICTIM_PROLOGUE);
        command.add(PROLOGUE_NAME);
        command.addAll(argv);
        return command;
    }

    private static boolean increased(OptionalLong before, OptionalLong after) {
        return before.isPresent() && after.isPresent() && after.getAsLong() > before.getAsLong();
    }
}
