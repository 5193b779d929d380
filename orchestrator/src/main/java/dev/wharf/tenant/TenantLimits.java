package dev.wharf.tenant;

import dev.wharf.api.ApiException;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * A tenant's own limits. Each is optional: absent means the platform's default applies (the service that
 * enforces a limit owns its default). Timeouts and lifetimes are whole seconds, retention whole days, the
 * workspace size bytes (it caps wharf.sandbox.workspace-size, never raises it).
 */
public record TenantLimits(Integer maxConcurrentSandboxes, Integer defaultTimeoutSeconds, Integer maxTimeoutSeconds,
                           Integer retentionDays, Integer environmentIdleTtlSeconds,
                           Integer environmentMaxLifetimeSeconds, Long maxWorkspaceBytes, Boolean egressAllowAnyHost) {

    public static final TenantLimits NONE = new TenantLimits(null, null, null, null, null, null, null, null);

    static final String MAX_CONCURRENT_SANDBOXES = "max_concurrent_sandboxes";
    static final String DEFAULT_TIMEOUT_SECONDS = "default_timeout_seconds";
    static final String MAX_TIMEOUT_SECONDS = "max_timeout_seconds";
    static final String RETENTION_DAYS = "retention_days";
    static final String ENVIRONMENT_IDLE_TTL_SECONDS = "environment_idle_ttl_seconds";
    static final String ENVIRONMENT_MAX_LIFETIME_SECONDS = "environment_max_lifetime_seconds";
    static final String MAX_WORKSPACE_BYTES = "max_workspace_bytes";
    /** Whether the tenant's allowlists may hold {@code *} (any public host); null: wharf.egress.allow-any-host. */
    static final String EGRESS_ALLOW_ANY_HOST = "egress_allow_any_host";
    /** The smallest workspace ext4 formats with room to spare (WorkspaceImages.MIN_BYTES). */
    static final long MIN_WORKSPACE_BYTES = 16L << 20;
    /** 16 TiB: the largest ext4 file system with 4 KiB blocks. */
    static final long MAX_WORKSPACE_BYTES_LIMIT = 16L << 40;

    public Optional<Integer> defaultTimeout() {
        return Optional.ofNullable(defaultTimeoutSeconds);
    }

    public Optional<Integer> maxTimeout() {
        return Optional.ofNullable(maxTimeoutSeconds);
    }

    /**
     * These limits with the fields present in {@code patch} replaced: a number sets a limit, an explicit
     * null clears it (back to the platform default), an absent field keeps it. Unknown fields are refused, so a
     * misspelt limit is not silently ignored.
     */
    public TenantLimits merge(JsonObject patch) {
        for (String field : patch.fieldNames()) {
            if (!java.util.Set.of(MAX_CONCURRENT_SANDBOXES, DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, RETENTION_DAYS,
                    ENVIRONMENT_IDLE_TTL_SECONDS, ENVIRONMENT_MAX_LIFETIME_SECONDS, MAX_WORKSPACE_BYTES,
                    EGRESS_ALLOW_ANY_HOST).contains(field)) {
                throw ApiException.invalidArgument("limits." + field + " is not a known limit");
            }
        }
        TenantLimits merged = new TenantLimits(
                field(patch, MAX_CONCURRENT_SANDBOXES, maxConcurrentSandboxes),
                field(patch, DEFAULT_TIMEOUT_SECONDS, defaultTimeoutSeconds),
                field(patch, MAX_TIMEOUT_SECONDS, maxTimeoutSeconds),
                field(patch, RETENTION_DAYS, retentionDays),
                field(patch, ENVIRONMENT_IDLE_TTL_SECONDS, environmentIdleTtlSeconds),
                field(patch, ENVIRONMENT_MAX_LIFETIME_SECONDS, environmentMaxLifetimeSeconds),
                bytesField(patch, MAX_WORKSPACE_BYTES, maxWorkspaceBytes),
                flag(patch, EGRESS_ALLOW_ANY_HOST, egressAllowAnyHost));
        if (merged.defaultTimeoutSeconds != null && merged.maxTimeoutSeconds != null
                && merged.defaultTimeoutSeconds > merged.maxTimeoutSeconds) {
            throw ApiException.invalidArgument("limits.default_timeout_seconds may not exceed max_timeout_seconds");
        }
        return merged;
    }

    /** A yes/no limit: absent keeps {@code current}, null clears it, else true or false. */
    private static Boolean flag(JsonObject patch, String name, Boolean current) {
        if (!patch.containsKey(name)) {
            return current;
        }
        Object value = patch.getValue(name);
        if (value == null || value instanceof Boolean) {
            return (Boolean) value;
        }
        throw ApiException.invalidArgument("limits." + name + " must be true, false or null");
    }

    private static Integer field(JsonObject patch, String name, Integer current) {
        Long number = ranged(patch, name, current == null ? null : current.longValue(), 1, Integer.MAX_VALUE);
        return number == null ? null : number.intValue();
    }

    /** A byte count: a whole number (or its decimal string, as int64 travels in JSON) in the workspace range. */
    private static Long bytesField(JsonObject patch, String name, Long current) {
        return ranged(patch, name, current, MIN_WORKSPACE_BYTES, MAX_WORKSPACE_BYTES_LIMIT);
    }

    /** The patched value of one limit: absent keeps {@code current}, null clears it, else a whole number in range. */
    private static Long ranged(JsonObject patch, String name, Long current, long min, long max) {
        if (!patch.containsKey(name)) {
            return current;
        }
        Object value = patch.getValue(name);
        if (value == null) {
            return null;
        }
        long number = wholeNumber(name, value);
        if (number < min || number > max) {
            throw ApiException.invalidArgument("limits." + name + " must be between " + min + " and " + max);
        }
        return number;
    }

    /** The value as a whole number; out of the long range reads as Long.MAX_VALUE, which every range refuses. */
    private static long wholeNumber(String name, Object value) {
        long number;
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            // Beyond the long range longValue() wraps (2^63 would look negative) or saturates; both are out of range.
            number = Math.abs(n.doubleValue()) >= 0x1p62 ? Long.MAX_VALUE : n.longValue();
        } else if (value instanceof String s && s.trim().matches("\\d{1,18}")) {
            number = Long.parseLong(s.trim());
        } else if (value instanceof String s && s.trim().matches("\\d+")) {
            number = Long.MAX_VALUE;
        } else {
            throw ApiException.invalidArgument("limits." + name + " must be a whole number");
        }
        return number;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.put(MAX_CONCURRENT_SANDBOXES, maxConcurrentSandboxes);
        json.put(DEFAULT_TIMEOUT_SECONDS, defaultTimeoutSeconds);
        json.put(MAX_TIMEOUT_SECONDS, maxTimeoutSeconds);
        json.put(RETENTION_DAYS, retentionDays);
        json.put(ENVIRONMENT_IDLE_TTL_SECONDS, environmentIdleTtlSeconds);
        json.put(ENVIRONMENT_MAX_LIFETIME_SECONDS, environmentMaxLifetimeSeconds);
        // A number like its siblings: the largest allowed (16 TiB) is far below 2^53, exact in every JSON reader.
        json.put(MAX_WORKSPACE_BYTES, maxWorkspaceBytes);
        json.put(EGRESS_ALLOW_ANY_HOST, egressAllowAnyHost);
        return json;
    }
}
