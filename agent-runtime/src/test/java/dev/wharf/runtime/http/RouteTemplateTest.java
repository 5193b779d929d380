package dev.wharf.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTemplateTest {

    private final RouteTemplate cancel = RouteTemplate.of("/agent/runs/{run_id}/cancel");

    @Test
    void aPlaceholderTakesExactlyOneSegment() {
        assertEquals(Map.of("run_id", "r-1"), cancel.match("/agent/runs/r-1/cancel"));
        assertNull(cancel.match("/agent/runs/a/b/cancel"));
        assertNull(cancel.match("/agent/runs//cancel"));
        assertNull(cancel.match("/agent/runs/r-1"));
        assertNull(cancel.match("/agent/jobs/r-1/cancel"));
    }

    @Test
    void onlyPathsWithBracesAreTemplates() {
        assertTrue(RouteTemplate.isTemplate("/agent/runs/{run_id}"));
        assertFalse(RouteTemplate.isTemplate("/agent/runs"));
    }
}
