package dev.wharf.runtime.agent;

import dev.wharf.runtime.gateway.GatewayClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One agent run's state, shared between its loop thread and the request threads that read or
 * cancel it. Phase changes and the cancel flag are guarded by this object, so a cancel either lands
 * while the run is still working or not at all.
 */
final class AgentRun {

    private final String id;
    private final GatewayClient gateway;
    private final AtomicInteger steps = new AtomicInteger();
    /** Counted down when the run stops working: its tools are dead and the model is not called again. */
    private final CountDownLatch stoppedWorking = new CountDownLatch(1);

    private RunPhase phase = RunPhase.WORKING;
    private boolean cancelRequested;
    private FinishStatus finishStatus;
    private Thread thread;

    AgentRun(String id, GatewayClient gateway) {
        this.id = id;
        this.gateway = gateway;
    }

    String id() {
        return id;
    }

    /** Binds the run to the thread that executes its loop, before that thread starts. */
    synchronized void runOn(Thread loopThread) {
        this.thread = loopThread;
    }

    void stepTaken() {
        steps.incrementAndGet();
    }

    /**
     * Stops the loop: the interrupt kills a running tool's process tree (the command runner kills
     * on interrupt) and ends backoff sleeps, and aborting the gateway call wakes a blocked read.
     * Only a working run can be cancelled; one already finishing reports its own outcome.
     */
    synchronized void cancel() {
        if (phase != RunPhase.WORKING || cancelRequested) {
            return;
        }
        cancelRequested = true;
        if (thread != null) {
            thread.interrupt();
        }
        gateway.abortCurrentCall();
    }

    synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    /**
     * Called by the loop thread itself. Clears its interrupt, so the finish report is not aborted
     * by a cancel that already took effect; no new one can come, since cancel acts only while working.
     */
    synchronized void beginFinishing() {
        moveTo(RunPhase.FINISHING);
        Thread.interrupted();
        stoppedWorking.countDown();
    }

    synchronized void finished(FinishStatus status) {
        moveTo(RunPhase.FINISHED);
        finishStatus = status;
        stoppedWorking.countDown();
    }

    synchronized boolean isRunning() {
        return phase != RunPhase.FINISHED;
    }

    /** Waits until the run has stopped working, at most {@code limit}; true if it has. */
    boolean awaitStoppedWorking(Duration limit) throws InterruptedException {
        return stoppedWorking.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run_id", id);
        json.put("status", phase == RunPhase.FINISHED ? "finished" : "running");
        if (finishStatus != null) {
            json.put("finish_status", finishStatus.wireName());
        }
        json.put("steps", steps.get());
        return json;
    }

    private void moveTo(RunPhase next) {
        if (!phase.canBecome(next)) {
            throw new IllegalStateException("run " + id + " cannot go from " + phase + " to " + next);
        }
        phase = next;
    }
}
