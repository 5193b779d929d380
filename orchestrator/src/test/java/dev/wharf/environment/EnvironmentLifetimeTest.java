package dev.wharf.environment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An environment's expiry: the idle TTL from its last use, never past the end of its sandbox's lifetime. */
class EnvironmentLifetimeTest {
    static final Instant START = Instant.parse("2026-07-01T10:00:00Z");
    static final EnvironmentLifetime LIFETIME =
            new EnvironmentLifetime(Duration.ofMinutes(30), Duration.ofHours(2), START, false);

    @Test
    void useKeepsItAliveForTheIdleTtl() {
        assertEquals(START.plus(Duration.ofMinutes(30)), LIFETIME.expiresAt(START));
        assertEquals(START.plus(Duration.ofMinutes(70)), LIFETIME.expiresAt(START.plus(Duration.ofMinutes(40))));
    }

    @Test
    void useNeverPushesItPastItsLifetime() {
        Instant late = START.plus(Duration.ofMinutes(100));
        assertEquals(START.plus(Duration.ofHours(2)), LIFETIME.expiresAt(late));
        assertFalse(LIFETIME.outlived(late));
        assertTrue(LIFETIME.outlived(START.plus(Duration.ofHours(2))));
    }

    @Test
    void aResumedSandboxStartsANewLifetime() {
        Instant resumed = START.plus(Duration.ofHours(5));
        EnvironmentLifetime again = LIFETIME.activeFrom(resumed);
        assertEquals(Optional.of(resumed.plus(Duration.ofHours(2))), again.lifetimeEnd());
        assertEquals(resumed.plus(Duration.ofMinutes(30)), again.expiresAt(resumed));
    }

    @Test
    void withoutAnActiveSandboxOnlyTheIdleTtlApplies() {
        EnvironmentLifetime none = new EnvironmentLifetime(Duration.ofMinutes(30), Duration.ofHours(2), null, false);
        assertEquals(Optional.empty(), none.lifetimeEnd());
        assertFalse(none.outlived(START.plus(Duration.ofDays(10))));
        assertEquals(START.plus(Duration.ofMinutes(30)), none.expiresAt(START));
    }
}
