package dev.wharf.lifecycle;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The interaction lifecycle, with every allowed transition in one table.
 *
 * <pre>
 *   queued      -> in_progress | cancelled | failed
 *   in_progress -> requires_action | completed | failed | cancelled | incomplete | budget_exceeded
 *   (every other status is terminal)
 * </pre>
 *
 * {@code requires_action} is terminal for the interaction: the caller answers with a new interaction whose
 * {@code previous_interaction_id} points here.
 */
public enum InteractionStatus {
    QUEUED("queued"),
    IN_PROGRESS("in_progress"),
    REQUIRES_ACTION("requires_action"),
    COMPLETED("completed"),
    FAILED("failed"),
    CANCELLED("cancelled"),
    INCOMPLETE("incomplete"),
    BUDGET_EXCEEDED("budget_exceeded");

    private static final Map<InteractionStatus, Set<InteractionStatus>> ALLOWED = Map.of(
            QUEUED, EnumSet.of(IN_PROGRESS, CANCELLED, FAILED),
            IN_PROGRESS, EnumSet.of(REQUIRES_ACTION, COMPLETED, FAILED, CANCELLED, INCOMPLETE, BUDGET_EXCEEDED));

    private final String wire;

    InteractionStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public boolean terminal() {
        return !ALLOWED.containsKey(this);
    }

    public boolean canBecome(InteractionStatus next) {
        return ALLOWED.getOrDefault(this, Set.of()).contains(next);
    }

    /** The states from which {@code next} may be entered: the WHERE clause of a conditional update. */
    public static Set<InteractionStatus> sourcesOf(InteractionStatus next) {
        Set<InteractionStatus> sources = EnumSet.noneOf(InteractionStatus.class);
        ALLOWED.forEach((from, targets) -> {
            if (targets.contains(next)) {
                sources.add(from);
            }
        });
        return sources;
    }

    public static InteractionStatus fromWire(String wire) {
        for (InteractionStatus status : values()) {
            if (status.wire.equals(wire)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown interaction status " + wire);
    }
}
