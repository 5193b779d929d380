package dev.wharf.interaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.lifecycle.InteractionStatus;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class InteractionStatusTest {
    @Test
    void onlyQueuedAndInProgressAreLive() {
        for (InteractionStatus status : InteractionStatus.values()) {
            boolean live = status == InteractionStatus.QUEUED || status == InteractionStatus.IN_PROGRESS;
            assertEquals(!live, status.terminal(), status.wire());
        }
    }

    @Test
    void outcomesAreReachedOnlyFromInProgress() {
        for (InteractionStatus outcome : EnumSet.of(InteractionStatus.COMPLETED, InteractionStatus.REQUIRES_ACTION,
                InteractionStatus.INCOMPLETE, InteractionStatus.BUDGET_EXCEEDED)) {
            assertEquals(EnumSet.of(InteractionStatus.IN_PROGRESS), InteractionStatus.sourcesOf(outcome));
        }
        assertEquals(EnumSet.of(InteractionStatus.QUEUED, InteractionStatus.IN_PROGRESS),
                InteractionStatus.sourcesOf(InteractionStatus.CANCELLED));
        assertFalse(InteractionStatus.COMPLETED.canBecome(InteractionStatus.CANCELLED), "cancel leaves a finished one");
        assertTrue(InteractionStatus.QUEUED.canBecome(InteractionStatus.FAILED));
    }
}
