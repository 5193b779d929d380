package dev.wharf.interaction;

import dev.wharf.agent.AgentDefinition;
import dev.wharf.api.ApiException;
import dev.wharf.tenant.TenantLimits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * How long an interaction may run, from everything that has a say. Pure.
 *
 * <ul>
 *   <li>Asked: the request's {@code agent_config.timeout_seconds}; when it names none, a default: the tenant's
 *       {@code default_timeout_seconds}, else the saved agent's {@code agent_config.timeout_seconds}, else the
 *       platform's ({@code wharf.interactions.default-timeout}).</li>
 *   <li>Capped by the smallest of the saved agent's {@code agent_config.timeout_seconds}, the tenant's
 *       {@code max_timeout_seconds} and the platform's maximum ({@code wharf.interactions.max-timeout}). A request
 *       above the cap runs with the cap; it is not refused.</li>
 * </ul>
 *
 * The result becomes the persisted deadline ({@code created + timeout}); an agent run may end earlier when its
 * environment's sandbox reaches its maximum lifetime first.
 *
 * @param tenantDefault null when the tenant sets none; likewise {@code tenantMax} and {@code agentTimeout}
 */
public record InteractionTimeout(Duration platformDefault, Duration platformMax, Duration tenantDefault,
                                 Duration tenantMax, Duration agentTimeout) {

    static final String FIELD = "timeout_seconds";

    static InteractionTimeout of(InteractionConfig platform, TenantLimits tenant, AgentDefinition agent) {
        Duration agentTimeout = agent == null || agent.agentConfig() == null ? null
                : requested(agent.agentConfig(), "agent " + agent.id() + " agent_config." + FIELD);
        return new InteractionTimeout(platform.defaultTimeout(), platform.maxTimeout(),
                tenant.defaultTimeout().map(Duration::ofSeconds).orElse(null),
                tenant.maxTimeout().map(Duration::ofSeconds).orElse(null), agentTimeout);
    }

    /** The longest any interaction here may run. */
    public Duration cap() {
        return min(min(platformMax, tenantMax), agentTimeout);
    }

    /** The timeout an interaction runs with when {@code requested} was asked for (null: nothing asked). */
    public Duration effective(Duration requested) {
        Duration asked = requested != null ? requested
                : tenantDefault != null ? tenantDefault
                : agentTimeout != null ? agentTimeout
                : platformDefault;
        return min(asked, cap());
    }

    /**
     * The timeout {@code agentConfig} asks for (whole or fractional seconds, as a JSON number or a string); null when
     * it names none. Anything but a positive number is a 400 naming {@code field}.
     */
    static Duration requested(JsonObject agentConfig, String field) {
        Object value = agentConfig.getValue(FIELD);
        if (value == null) {
            return null;
        }
        double seconds = InteractionService.number(value, field);
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw ApiException.invalidArgument(field + " must be a positive number of seconds");
        }
        // Anything beyond a century is capped anyway; clamp before converting so huge values cannot overflow.
        return Duration.ofMillis(Math.round(Math.min(seconds, 3.2e9) * 1000));
    }

    private static Duration min(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) <= 0 ? a : b;
    }
}
