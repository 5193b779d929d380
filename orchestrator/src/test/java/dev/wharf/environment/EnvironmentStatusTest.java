package dev.wharf.environment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class EnvironmentStatusTest {
    @Test
    void deletingIsTerminal() {
        for (EnvironmentStatus next : EnvironmentStatus.values()) {
            assertFalse(EnvironmentStatus.DELETING.canBecome(next), "deleting -> " + next);
        }
    }

    @Test
    void onlyStoppedEnvironmentsCanBeResumed() {
        assertEquals(EnumSet.of(EnvironmentStatus.EXPIRED, EnvironmentStatus.FAILED),
                EnvironmentStatus.sourcesOf(EnvironmentStatus.PROVISIONING));
    }

    @Test
    void onlyLiveSandboxesCanFailOrExpire() {
        assertEquals(EnumSet.of(EnvironmentStatus.PROVISIONING, EnvironmentStatus.ACTIVE),
                EnvironmentStatus.sourcesOf(EnvironmentStatus.FAILED));
        assertEquals(EnumSet.of(EnvironmentStatus.ACTIVE), EnvironmentStatus.sourcesOf(EnvironmentStatus.EXPIRED));
        assertTrue(EnvironmentStatus.ACTIVE.canBecome(EnvironmentStatus.EXPIRED));
        assertFalse(EnvironmentStatus.EXPIRED.canBecome(EnvironmentStatus.ACTIVE),
                "an expired environment is resumed through provisioning, never straight to active");
    }

    @Test
    void everythingButDeletingCanBeDeleted() {
        assertEquals(EnumSet.complementOf(EnumSet.of(EnvironmentStatus.DELETING)),
                EnvironmentStatus.sourcesOf(EnvironmentStatus.DELETING));
    }

    @Test
    void wireNamesRoundTrip() {
        for (EnvironmentStatus status : EnvironmentStatus.values()) {
            assertEquals(status, EnvironmentStatus.fromWire(status.wire()));
        }
    }
}
