package dev.wharf.environment;

import io.vertx.core.json.JsonObject;

/**
 * What a command did. {@code timed_out}: killed at its deadline. {@code oom_killed}: killed by the kernel
 * for exceeding the sandbox's memory limit. {@code process_limit_killed}: killed with every process it started
 * because together they exhausted the sandbox's process limit (a fork bomb). The truncation flags say output
 * beyond the cap was dropped.
 */
public record ExecResult(Integer exitCode, String stdout, String stderr, long durationMs, boolean timedOut,
                         boolean stdoutTruncated, boolean stderrTruncated, boolean oomKilled,
                         boolean processLimitKilled) {

    static ExecResult fromDaemon(JsonObject json) {
        return new ExecResult(json.getInteger("exit_code"), json.getString("stdout", ""),
                json.getString("stderr", ""), json.getLong("duration_ms", 0L),
                json.getBoolean("timed_out", false), json.getBoolean("stdout_truncated", false),
                json.getBoolean("stderr_truncated", false), json.getBoolean("oom_killed", false),
                json.getBoolean("process_limit_killed", false));
    }
}
