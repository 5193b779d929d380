package dev.wharf.capacity;

import dev.wharf.api.ApiException;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The request's {@code service_tier}, in admission order: priority work is admitted before standard work, and
 * flex work only when no admissible standard or priority work waits. Absent means standard.
 */
public enum ServiceTier {
    PRIORITY("priority"),
    STANDARD("standard"),
    FLEX("flex");

    public static final String FIELD = "service_tier";

    private final String wire;

    ServiceTier(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** Tiers in the order the dispatcher serves them. */
    public static List<ServiceTier> admissionOrder() {
        return List.of(PRIORITY, STANDARD, FLEX);
    }

    /** Validates a request's value: absent or null is standard, anything but the three tiers is a 400. */
    public static ServiceTier parse(Object value) {
        if (value == null) {
            return STANDARD;
        }
        if (value instanceof String text) {
            for (ServiceTier tier : values()) {
                if (tier.wire.equals(text)) {
                    return tier;
                }
            }
        }
        throw ApiException.invalidArgument("service_tier must be one of flex, standard or priority");
    }

    /** The tier of a stored request; tolerant, like the database's generated column, of rows older than tiers. */
    public static ServiceTier of(JsonObject request) {
        Object value = request == null ? null : request.getValue(FIELD);
        for (ServiceTier tier : values()) {
            if (tier.wire.equals(value)) {
                return tier;
            }
        }
        return STANDARD;
    }

    public static ServiceTier fromWire(String wire) {
        for (ServiceTier tier : values()) {
            if (tier.wire.equals(wire)) {
                return tier;
            }
        }
        return STANDARD;
    }
}
