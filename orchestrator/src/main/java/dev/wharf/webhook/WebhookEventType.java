package dev.wharf.webhook;

import dev.wharf.interaction.InteractionStatus;
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

    /** The event an interaction ending in {@code status} raises; other terminal statuses raise none. */
    public static Optional<WebhookEventType> forInteraction(InteractionStatus status) {
        return switch (status) {
            case COMPLETED -> Optional.of(INTERACTION_COMPLETED);
            case FAILED -> Optional.of(INTERACTION_FAILED);
            case REQUIRES_ACTION -> Optional.of(INTERACTION_REQUIRES_ACTION);
            default -> Optional.empty();
        };
    }
}
