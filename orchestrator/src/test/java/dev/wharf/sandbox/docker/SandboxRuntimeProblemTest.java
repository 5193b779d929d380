package dev.wharf.sandbox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What an operator reads when wharf.sandbox.runtime names a runtime the engine does not have. */
class SandboxRuntimeProblemTest {
    @Test
    void aRegisteredRuntimeIsFine() {
        assertEquals(Optional.empty(), SandboxRuntime.problem("runsc", Set.of("runc", "runsc")));
        assertEquals(Optional.empty(), SandboxRuntime.problem("runc", Set.of("runc")));
    }

    @Test
    void missingGvisorSaysHowToInstallAndRegisterIt() {
        String message = SandboxRuntime.problem("runsc", Set.of("runc", "crun")).orElseThrow();
        assertTrue(message.contains("(it has crun, runc)"), message);
        assertTrue(message.contains("apt-get install runsc") && message.contains("./wharf up")
                && message.contains("/etc/docker/daemon.json") && message.contains("wharf.sandbox.runtime"), message);
    }

    @Test
    void anyOtherMissingRuntimeSaysWhereEnginesRegisterThem() {
        String message = SandboxRuntime.problem("kata", Set.of("runc")).orElseThrow();
        assertTrue(message.contains("register it in /etc/docker/daemon.json") && message.contains("SIGHUP"), message);
        assertTrue(!message.contains("apt-get install runsc"), message);
    }

    @Test
    void gvisorIsRunscOrANameStartingWithIt() {
        assertTrue(SandboxHardening.isGvisor("runsc"));
        assertTrue(SandboxHardening.isGvisor("runsc-kvm"));
        assertTrue(!SandboxHardening.isGvisor("runc") && !SandboxHardening.isGvisor("crun"));
    }
}
