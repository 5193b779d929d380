package dev.wharf.runtime.exec;

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
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands in the workspace: one process per call, with a deadline, bounded output capture and
 * OOM diagnosis. Calls are independent and may run concurrently.
 */
public final class CommandRunner implements AutoCloseable {

    /**
     * After the command exits, how long its output pipes may stay open. A background child
     * ({@code server &}) inherits them and can hold them for ever; the caller gets what arrived by
     * then instead of hanging.
     */
    static final Duration OUTPUT_GRACE = Duration.ofMillis(250);

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

    private final Workspace workspace;
    private final OomKillCounter oomKills;
    private final Executor outputReaders;
    private final Set<String> hiddenVariables;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param outputReaders runs two pipe readers per command; they may outlive the call while a
     *                      background child holds a pipe, so its threads must not keep the JVM alive
     * @param hiddenVariables daemon environment variables commands must not see (the sandbox token)
     */
    public CommandRunner(Workspace workspace, OomKillCounter oomKills, Executor outputReaders,
                         Set<String> hiddenVariables) {
        this.workspace = workspace;
        this.oomKills = oomKills;
        this.outputReaders = outputReaders;
        this.hiddenVariables = Set.copyOf(hiddenVariables);
    }

    public ExecResult run(ExecRequest request) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(withPrologue(request.argv()))
                .directory(workingDirectory(request.cwd()).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(NO_INPUT));
        Map<String, String> environment = builder.environment();
        environment.keySet().removeAll(hiddenVariables);
        environment.putAll(request.env());

        OptionalLong oomKillsBefore = oomKills.read();
        long started = System.nanoTime();
        Process process = builder.start();
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

            boolean timedOut = !process.waitFor(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (timedOut) {
                ProcessTree.kill(process.toHandle());
                process.waitFor();
            }
            long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            int exitCode = process.exitValue();

            long outputDeadline = System.nanoTime() + OUTPUT_GRACE.toNanos();
            stdout.awaitEnd(outputDeadline);
            stderr.awaitEnd(outputDeadline);

            boolean oomKilled = !timedOut && exitCode == KILLED_EXIT_CODE
                    && increased(oomKillsBefore, oomKills.read());
            return new ExecResult(exitCode, stdout.seal(), stderr.seal(), durationMs, timedOut, oomKilled);
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

    private static List<String> withPrologue(List<String> argv) {
        List<String> command = new ArrayList<>();
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
