package dev.wharf.webhook;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The events a webhook may subscribe to, by wire name. */
public enum WebhookEventType {
    INTERACTION_COMPLETED("interaction.completed"),
    INTERACTION_FAILED("interaction.failed"),
    INTERACTION_REQUIRES_ACTION("interaction.requires_action"),
    /** A tenant's monthly budget crossed one of its alert thresholds (emitted by budget.BudgetService). */
    BUDGET_THRESHOLD_REACHED("budget.threshold_reached");

    private final String wire;

    WebhookEventType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<WebhookEventType> fromWire(String wire) {
        return Arrays.stream(values()).filter(type -> type.wire.equals(wire)).findFirst();
    }

    public static List<String> wireNames() {
        return Arrays.stream(values()).map(WebhookEventType::wire).toList();
    }

    /**
     * The event an interaction ending in {@code status} (its wire name) raises: {@code interaction.<status>} where
     * such an event exists; other terminal statuses (cancelled, incomplete) raise none.
     */
    public static Optional<WebhookEventType> forInteraction(String status) {
        return fromWire("interaction." + status).filter(type -> type.wire.startsWith("interaction."));
    }
}
