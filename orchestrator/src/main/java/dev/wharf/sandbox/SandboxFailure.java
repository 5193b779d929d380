package dev.wharf.sandbox;

/**
 * Why a sandbox stopped when nobody asked it to, precise enough for a user to act on:
 * raise the memory limit, fix the start-up, or look for whoever killed it.
 */
public record SandboxFailure(Reason reason, Integer exitCode, String message) {

    public enum Reason {
        /** The kernel killed the sandbox for exceeding its memory limit. */
        OOM_KILLED("oom_killed"),
        /** Killed by a signal from outside (SIGKILL, docker kill, host shutdown). */
        KILLED("killed"),
        /** The sandbox's main process exited on its own. */
        EXITED("exited"),
        /** The container could not be started, or never became ready. */
        START_FAILED("start_failed"),
        /** The container disappeared from the engine. */
        LOST("lost"),
        /** The container ran but its daemon stopped answering (stopped, starved or wedged); it was stopped. */
        UNRESPONSIVE("unresponsive");

        private final String wire;

        Reason(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** A recorded reason; one this version does not know reads as LOST. */
        public static Reason fromWire(String wire) {
            for (Reason reason : values()) {
                if (reason.wire.equals(wire)) {
                    return reason;
                }
            }
            return LOST;
        }
    }

    private static final int SIGNAL_EXIT_BASE = 128;

    /** Reads a stopped container's state into a reason. Pure, so every branch is unit-tested. */
    public static SandboxFailure diagnose(SandboxState state) {
        if (state == null) {
            return new SandboxFailure(Reason.LOST, null, "sandbox container no longer exists");
        }
        Integer code = state.exitCode();
        if (state.oomKilled()) {
            return new SandboxFailure(Reason.OOM_KILLED, code,
                    "sandbox was killed for exceeding its memory limit (OOM-killed)");
        }
        if (state.error() != null && !state.error().isBlank()) {
            return new SandboxFailure(Reason.START_FAILED, code, "sandbox failed: " + state.error());
        }
        if (code != null && code > SIGNAL_EXIT_BASE) {
            int signal = code - SIGNAL_EXIT_BASE;
            return new SandboxFailure(Reason.KILLED, code,
                    "sandbox was killed by signal " + signal + " (" + signalName(signal) + ")");
        }
        return new SandboxFailure(Reason.EXITED, code, "sandbox exited with code " + code);
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 9 -> "SIGKILL";
            case 15 -> "SIGTERM";
            case 2 -> "SIGINT";
            case 6 -> "SIGABRT";
            case 11 -> "SIGSEGV";
            default -> "signal " + signal;
        };
    }
}
