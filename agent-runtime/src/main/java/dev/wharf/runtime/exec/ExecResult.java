package dev.wharf.runtime.exec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a command ended.
 *
 * @param exitCode   the exit value; 128 + n when signal n ended it (137 for SIGKILL)
 * @param durationMs from start until the command exited, without the wait for its pipes
 * @param oomKilled  SIGKILLed while the cgroup's OOM-kill counter went up, and not by our timeout; or, for a run
 *                   that ends on an OOM kill ({@link CommandRunner.OnOomKill#END}), ended because one of the
 *                   sandbox's processes was killed for memory
 * @param processLimitKilled SIGKILLed with its whole session because its processes exhausted the sandbox's
 *                   process limit (see {@link ProcessLimitGuard})
 */
public record ExecResult(int exitCode, CapturedOutput stdout, CapturedOutput stderr, long durationMs,
                         boolean timedOut, boolean oomKilled, boolean processLimitKilled) {

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("exit_code", exitCode);
        json.put("stdout", stdout.text());
        json.put("stderr", stderr.text());
        json.put("duration_ms", durationMs);
        json.put("timed_out", timedOut);
        json.put("stdout_truncated", stdout.truncated());
        json.put("stderr_truncated", stderr.truncated());
        json.put("oom_killed", oomKilled);
        json.put("process_limit_killed", processLimitKilled);
        return json;
    }
}
