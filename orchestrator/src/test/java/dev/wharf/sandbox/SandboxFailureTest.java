package dev.wharf.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SandboxFailureTest {

    private static SandboxState stopped(boolean oom, Integer exit, String error) {
        return new SandboxState("c1", "env_1", false, oom, exit, error);
    }

    @Test
    void oomKillWinsOverTheExitCode() {
        SandboxFailure failure = SandboxFailure.diagnose(stopped(true, 137, ""));
        assertEquals(SandboxFailure.Reason.OOM_KILLED, failure.reason());
        assertEquals(137, failure.exitCode());
        assertTrue(failure.message().contains("memory limit"));
    }

    @Test
    void signalExitIsReportedAsKilledWithTheSignal() {
        SandboxFailure failure = SandboxFailure.diagnose(stopped(false, 137, null));
        assertEquals(SandboxFailure.Reason.KILLED, failure.reason());
        assertTrue(failure.message().contains("SIGKILL"), failure.message());
        assertTrue(SandboxFailure.diagnose(stopped(false, 143, null)).message().contains("SIGTERM"));
    }

    @Test
    void plainExitKeepsItsCode() {
        SandboxFailure failure = SandboxFailure.diagnose(stopped(false, 3, null));
        assertEquals(SandboxFailure.Reason.EXITED, failure.reason());
        assertEquals(3, failure.exitCode());
    }

    @Test
    void engineErrorMeansStartFailed() {
        SandboxFailure failure = SandboxFailure.diagnose(stopped(false, 127, "exec: \"java\": not found"));
        assertEquals(SandboxFailure.Reason.START_FAILED, failure.reason());
        assertTrue(failure.message().contains("not found"));
    }

    @Test
    void missingContainerIsLost() {
        assertEquals(SandboxFailure.Reason.LOST, SandboxFailure.diagnose(null).reason());
    }
}
