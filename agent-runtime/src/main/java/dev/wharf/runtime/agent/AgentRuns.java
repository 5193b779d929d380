package dev.wharf.runtime.agent;

import dev.wharf.runtime.NamedThreads;
import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.files.WorkspaceChanges;
import dev.wharf.runtime.gateway.GatewayClient;
import dev.wharf.runtime.tools.BuiltinTools;
import dev.wharf.runtime.tools.ToolSet;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts, finds and cancels agent runs. One run at a time per sandbox: runs share the workspace,
 * and two loops editing the same files would make both runs' artifacts meaningless.
 */
public final class AgentRuns implements AutoCloseable {

    /** Finished runs stay answerable by id for a while; the oldest beyond this many are forgotten. */
    static final int REMEMBERED_RUNS = 20;
    /**
     * How long a cancel waits for the run to stop working, so that when it answers the tool
     * processes are normally dead; the finish report may still be on its way.
     */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(2);

    private final BuiltinTools builtinTools;
    private final WorkspaceChanges changes;
    /** A loop thread exists only while its run does; it must not keep a stopping JVM alive. */
    private final NamedThreads loopThreads = NamedThreads.background("wharf-agent-run");
    private final Map<String, AgentRun> runs = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AgentRun> eldest) {
            return size() > REMEMBERED_RUNS && !eldest.getValue().isRunning();
        }
    };

    public AgentRuns(BuiltinTools builtinTools, WorkspaceChanges changes) {
        this.builtinTools = builtinTools;
        this.changes = changes;
    }

    /** Starts the run on its own thread and returns at once. */
    public synchronized AgentRun start(RunRequest request) {
        for (AgentRun other : runs.values()) {
            if (other.isRunning()) {
                throw RequestException.precondition("run " + other.id() + " is still running; cancel it first");
            }
        }
        if (runs.containsKey(request.runId())) {
            throw RequestException.precondition("run " + request.runId() + " was already started");
        }
        GatewayClient gateway = new GatewayClient(request.gatewayUrl(), request.gatewayToken(),
                request.gatewayRetryWindow());
        ToolSet tools = builtinTools.select(request.builtinTools(), request.toolLimits());
        AgentRun run = new AgentRun(request.runId(), gateway);
        Thread thread = loopThreads.newThread(new AgentLoop(run, gateway, tools, changes, request.maxSteps()));
        run.runOn(thread);
        runs.put(run.id(), run);
        try {
            thread.start();
        } catch (OutOfMemoryError e) {
            // No thread, no run: it must not block the sandbox's next run as "still running".
            runs.remove(run.id());
            throw e;
        }
        return run;
    }

    public synchronized AgentRun find(String runId) {
        AgentRun run = runs.get(runId);
        if (run == null) {
            throw RequestException.notFound("no such run: " + runId);
        }
        return run;
    }

    /** Cancelling a finished run changes nothing and is not an error. */
    public void cancel(String runId) throws InterruptedException {
        AgentRun run = find(runId);
        run.cancel();
        run.awaitStoppedWorking(CANCEL_WAIT);
    }

    /** The daemon is stopping: the running loop, if any, is cancelled and its tools killed. */
    @Override
    public synchronized void close() {
        runs.values().forEach(AgentRun::cancel);
    }
}
