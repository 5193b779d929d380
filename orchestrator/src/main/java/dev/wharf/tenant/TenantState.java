package dev.wharf.tenant;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A tenant's lifecycle. {@code active} is the only state in which its keys work and it owns live resources;
 * {@code deleting} means its keys are revoked and its resources are being removed (a crash leaves it here and the
 * deletion sweep finishes); {@code deleted} is the tombstone kept for the usage ledger and so the id is never reused.
 */
public enum TenantState {
    ACTIVE("active"),
    DELETING("deleting"),
    DELETED("deleted");

    private static final Map<TenantState, Set<TenantState>> ALLOWED = Map.of(
            ACTIVE, EnumSet.of(DELETING),
            DELETING, EnumSet.of(DELETED),
            DELETED, EnumSet.noneOf(TenantState.class));

    private final String wire;

    TenantState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public boolean canMoveTo(TenantState next) {
        return ALLOWED.get(this).contains(next);
    }

    public static TenantState fromWire(String value) {
        for (TenantState state : values()) {
            if (state.wire.equals(value)) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown tenant state " + value);
    }
}
