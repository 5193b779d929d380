package dev.wharf.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Whether a process has gone, counting a zombie nobody reaped yet as gone. */
public final class ProcessState {

    private static final Duration POLL = Duration.ofMillis(50);

    private ProcessState() {
    }

    public static boolean becomesDead(long pid, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (isDead(pid)) {
                return true;
            }
            Thread.sleep(POLL.toMillis());
        }
        return isDead(pid);
    }

    public static boolean isDead(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The state letter follows the command name, which is in parentheses and may hold spaces.
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }
}
