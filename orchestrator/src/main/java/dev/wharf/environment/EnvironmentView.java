package dev.wharf.environment;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An environment as the API shows it. Counts are strings (int64 in the public JSON mapping). Fields
 * Wharf adds carry the {@code x_} prefix.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnvironmentView(
        String id,
        String status,
        String created,
        String updated,
        String lastAccessed,
        String fileCount,
        String sizeBytes,
        com.fasterxml.jackson.databind.JsonNode network,
        String xExpiresAt,
        String xWorkspaceLimitBytes,
        Failure xFailure) {

    /** Why the sandbox stopped, when it stopped on its own. */
    public record Failure(String reason, String message, Integer exitCode) {
    }

    static EnvironmentView of(Environment env) {
        Failure failure = env.failureReason == null ? null
                : new Failure(env.failureReason, env.failureMessage, env.failureExitCode);
        return new EnvironmentView(env.id, env.status.wire(), format(env.createdAt), format(env.updatedAt),
                format(env.lastAccessedAt), Long.toString(env.fileCount), Long.toString(env.sizeBytes),
                NetworkPolicy.fromStored(env.network).view(), format(env.expiresAt),
                env.workspaceLimitBytes == null ? null : Long.toString(env.workspaceLimitBytes), failure);
    }

    static String format(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
