package dev.wharf.runtime.agent;

import dev.wharf.runtime.files.Artifact;
import dev.wharf.runtime.files.WorkspaceChanges;
import dev.wharf.runtime.files.WorkspaceSnapshot;
import dev.wharf.runtime.gateway.GatewayClient;
import dev.wharf.runtime.gateway.GatewayException;
import dev.wharf.runtime.gateway.ModelTurn;
import dev.wharf.runtime.gateway.RunFinish;
import dev.wharf.runtime.gateway.ToolCall;
import dev.wharf.runtime.gateway.ToolReport;
import dev.wharf.runtime.tools.Tool;
import dev.wharf.runtime.tools.ToolOutput;
import dev.wharf.runtime.tools.ToolSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * The agent loop of one run, on the run's own thread: ask the gateway for a model turn, run the
 * built-in tools it calls, report their results, and repeat until the model stops calling tools,
 * calls one of the caller's functions, or runs out of steps. Then report how it ended, with the
 * files the run created or changed.
 */
final class AgentLoop implements Runnable {

    /** The error code of a run that used up its model turns. */
    static final String MAX_STEPS = "max_steps";
    /** The error code of a model call the gateway answered with an error (a provider failure). */
    static final String MODEL_ERROR = "model_error";
    /** The error code of any other error answer from the gateway. */
    static final String GATEWAY_ERROR = "gateway_error";
    /** The error code of a failure inside the runtime itself. */
    static final String RUNTIME_ERROR = "runtime_error";

    private static final System.Logger LOG = System.getLogger(AgentLoop.class.getName());

    private final AgentRun run;
    private final GatewayClient gateway;
    private final ToolSet tools;
    private final WorkspaceChanges changes;
    private final int maxSteps;

    AgentLoop(AgentRun run, GatewayClient gateway, ToolSet tools, WorkspaceChanges changes, int maxSteps) {
        this.run = run;
        this.gateway = gateway;
        this.tools = tools;
        this.changes = changes;
        this.maxSteps = maxSteps;
    }

    @Override
    public void run() {
        FinishStatus status = FinishStatus.FAILED;
        try {
            status = runToEnd();
        } finally {
            // Whatever happened, the run must end, or no other run could ever start in this sandbox.
            if (run.isRunning()) {
                run.finished(status);
            }
        }
    }

    private FinishStatus runToEnd() {
        WorkspaceSnapshot before = null;
        Outcome outcome;
        try {
            before = changes.snapshot();
            outcome = converse();
        } catch (GatewayException e) {
            if (e.reason() != GatewayException.Reason.FAILED && !run.cancelRequested()) {
                // The control plane decided the outcome already, or cannot hear us: nothing to report.
                LOG.log(System.Logger.Level.WARNING, "run " + run.id() + " stopped: " + e.getMessage());
                FinishStatus status = e.reason() == GatewayException.Reason.RUN_ENDED
                        ? FinishStatus.ENDED_BY_GATEWAY : FinishStatus.GATEWAY_UNREACHABLE;
                run.finished(status);
                return status;
            }
            outcome = Outcome.failed(e.call().equals(GatewayClient.MODEL) ? MODEL_ERROR : GATEWAY_ERROR, e.getMessage());
        } catch (Exception e) {
            if (!run.cancelRequested()) {
                LOG.log(System.Logger.Level.WARNING, "run " + run.id() + " failed", e);
            }
            outcome = Outcome.failed(RUNTIME_ERROR, describe(e));
        }
        run.beginFinishing();
        if (run.cancelRequested()) {
            outcome = Outcome.of(FinishStatus.CANCELLED);
        }
        report(outcome, before);
        run.finished(outcome.status());
        return outcome.status();
    }

    private Outcome converse() throws IOException {
        List<Map<String, Object>> declarations = tools.declarations();
        for (int step = 0; step < maxSteps; step++) {
            stopIfCancelled();
            ModelTurn turn = gateway.nextTurn(declarations);
            run.stepTaken();
            if (turn.toolCalls().isEmpty()) {
                return Outcome.of(FinishStatus.COMPLETED);
            }
            List<ToolReport> reports = new ArrayList<>();
            boolean callerFunctionCalled = false;
            for (ToolCall call : turn.toolCalls()) {
                Optional<Tool> tool = tools.find(call.name());
                if (tool.isEmpty()) {
                    // One of the caller's own functions: the caller runs it and answers in a new interaction.
                    callerFunctionCalled = true;
                    continue;
                }
                ToolOutput output = tools.execute(tool.get(), call.arguments());
                stopIfCancelled();
                reports.add(new ToolReport(call.id(), call.name(), output));
            }
            if (!reports.isEmpty()) {
                gateway.reportToolResults(reports);
            }
            if (callerFunctionCalled) {
                return Outcome.of(FinishStatus.REQUIRES_ACTION);
            }
        }
        return new Outcome(FinishStatus.INCOMPLETE, MAX_STEPS, "the model was still calling tools after "
                + maxSteps + " turns (max_steps); the run stopped there");
    }

    /**
     * Best effort: artifacts that cannot be computed are left out rather than losing the outcome,
     * and a gateway that refuses or cannot be reached is only logged.
     */
    private void report(Outcome outcome, WorkspaceSnapshot before) {
        List<Artifact> artifacts = List.of();
        if (before != null) {
            try {
                artifacts = changes.since(before);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "run " + run.id() + ": artifacts could not be listed", e);
            }
        }
        try {
            gateway.finish(new RunFinish(outcome.status().wireName(), outcome.errorCode(), outcome.errorMessage(),
                    artifacts));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "run " + run.id() + ": the finish report was not delivered: "
                    + e.getMessage());
        }
    }

    private void stopIfCancelled() {
        if (run.cancelRequested()) {
            throw new CancellationException("run " + run.id() + " was cancelled");
        }
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** The outcome to report: a status, and for failures an error code and message. */
    private record Outcome(FinishStatus status, String errorCode, String errorMessage) {

        static Outcome of(FinishStatus status) {
            return new Outcome(status, null, null);
        }

        static Outcome failed(String code, String message) {
            return new Outcome(FinishStatus.FAILED, code, message);
        }
    }
}
