package dev.wharf.environment;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The environment lifecycle, with every allowed transition in one table.
 *
 * <pre>
 *   provisioning -> active | failed | deleting
 *   active       -> expired (idle TTL) | failed (sandbox died) | deleting
 *   expired      -> provisioning (used again: resumed on its volume) | deleting (DELETE, retention purge)
 *   failed       -> provisioning (used again) | deleting
 *   deleting     -> (row removed once container and volume are gone)
 * </pre>
 *
 * Every change is a conditional update on the current status; zero rows updated means another actor owns it.
 */
public enum EnvironmentStatus {
    PROVISIONING("provisioning"),
    ACTIVE("active"),
    EXPIRED("expired"),
    FAILED("failed"),
    DELETING("deleting");

    private static final Map<EnvironmentStatus, Set<EnvironmentStatus>> ALLOWED = Map.of(
            PROVISIONING, EnumSet.of(ACTIVE, FAILED, DELETING),
            ACTIVE, EnumSet.of(EXPIRED, FAILED, DELETING),
            EXPIRED, EnumSet.of(PROVISIONING, DELETING),
            FAILED, EnumSet.of(PROVISIONING, DELETING),
            DELETING, EnumSet.noneOf(EnvironmentStatus.class));

    private final String wire;

    EnvironmentStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public boolean canBecome(EnvironmentStatus next) {
        return ALLOWED.get(this).contains(next);
    }

    /** The states from which {@code next} may be entered: the WHERE clause of a conditional update. */
    public static Set<EnvironmentStatus> sourcesOf(EnvironmentStatus next) {
        Set<EnvironmentStatus> sources = EnumSet.noneOf(EnvironmentStatus.class);
        ALLOWED.forEach((from, targets) -> {
            if (targets.contains(next)) {
                sources.add(from);
            }
        });
        return sources;
    }

    public static EnvironmentStatus fromWire(String wire) {
        for (EnvironmentStatus status : values()) {
            if (status.wire.equals(wire)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown environment status " + wire);
    }
}
