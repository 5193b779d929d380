package dev.wharf.tenant;

import dev.wharf.api.ApiException;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * A tenant's own limits. Each is optional: absent means the platform's default applies (the service that
 * enforces a limit owns its default). Timeouts and lifetimes are whole seconds, retention whole days.
 */
public record TenantLimits(Integer maxConcurrentSandboxes, Integer defaultTimeoutSeconds, Integer maxTimeoutSeconds,
                           Integer retentionDays, Integer environmentIdleTtlSeconds,
                           Integer environmentMaxLifetimeSeconds) {

    public static final TenantLimits NONE = new TenantLimits(null, null, null, null, null, null);

    static final String MAX_CONCURRENT_SANDBOXES = "max_concurrent_sandboxes";
    static final String DEFAULT_TIMEOUT_SECONDS = "default_timeout_seconds";
    static final String MAX_TIMEOUT_SECONDS = "max_timeout_seconds";
    static final String RETENTION_DAYS = "retention_days";
    static final String ENVIRONMENT_IDLE_TTL_SECONDS = "environment_idle_ttl_seconds";
    static final String ENVIRONMENT_MAX_LIFETIME_SECONDS = "environment_max_lifetime_seconds";

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
                    ENVIRONMENT_IDLE_TTL_SECONDS, ENVIRONMENT_MAX_LIFETIME_SECONDS).contains(field)) {
                throw ApiException.invalidArgument("limits." + field + " is not a known limit");
            }
        }
        TenantLimits merged = new TenantLimits(
                field(patch, MAX_CONCURRENT_SANDBOXES, maxConcurrentSandboxes),
                field(patch, DEFAULT_TIMEOUT_SECONDS, defaultTimeoutSeconds),
                field(patch, MAX_TIMEOUT_SECONDS, maxTimeoutSeconds),
                field(patch, RETENTION_DAYS, retentionDays),
                field(patch, ENVIRONMENT_IDLE_TTL_SECONDS, environmentIdleTtlSeconds),
                field(patch, ENVIRONMENT_MAX_LIFETIME_SECONDS, environmentMaxLifetimeSeconds));
        if (merged.defaultTimeoutSeconds != null && merged.maxTimeoutSeconds != null
                && merged.defaultTimeoutSeconds > merged.maxTimeoutSeconds) {
            throw ApiException.invalidArgument("limits.default_timeout_seconds may not exceed max_timeout_seconds");
        }
        return merged;
    }

    private static Integer field(JsonObject patch, String name, Integer current) {
        if (!patch.containsKey(name)) {
            return current;
        }
        Object value = patch.getValue(name);
        if (value == null) {
            return null;
        }
        long number;
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            // Beyond the long range longValue() wraps (2^63 would look negative) or saturates; both are out of range.
            number = Math.abs(n.doubleValue()) > Integer.MAX_VALUE ? Long.MAX_VALUE : n.longValue();
        } else if (value instanceof String s && s.trim().matches("\\d{1,18}")) {
            number = Long.parseLong(s.trim());
        } else if (value instanceof String s && s.trim().matches("\\d+")) {
            number = Long.MAX_VALUE;
        } else {
            throw ApiException.invalidArgument("limits." + name + " must be a whole number");
        }
        if (number < 1 || number > Integer.MAX_VALUE) {
            throw ApiException.invalidArgument("limits." + name + " must be between 1 and " + Integer.MAX_VALUE);
        }
        return (int) number;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.put(MAX_CONCURRENT_SANDBOXES, maxConcurrentSandboxes);
        json.put(DEFAULT_TIMEOUT_SECONDS, defaultTimeoutSeconds);
        json.put(MAX_TIMEOUT_SECONDS, maxTimeoutSeconds);
        json.put(RETENTION_DAYS, retentionDays);
        json.put(ENVIRONMENT_IDLE_TTL_SECONDS, environmentIdleTtlSeconds);
        json.put(ENVIRONMENT_MAX_LIFETIME_SECONDS, environmentMaxLifetimeSeconds);
        return json;
    }
}
