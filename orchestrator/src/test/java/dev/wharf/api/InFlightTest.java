package dev.wharf.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightTest {
    private final InFlight calls = new InFlight("calls", 3, 2, Duration.ofSeconds(5));

    @Test
    void aTenantOverItsShareIsToldSoAndTheOthersGoOnUpToThePlaneLimit() {
        calls.enter("a");
        calls.enter("a");
        ApiException tenant = assertThrows(ApiException.class, () -> calls.enter("a"));
        assertEquals(ApiStatus.RESOURCE_EXHAUSTED, tenant.status());
        assertTrue(tenant.getMessage().contains("this tenant has its limit of 2 calls"), tenant.getMessage());
        assertEquals(Duration.ofSeconds(5), tenant.retryAfter().orElseThrow());

        calls.enter("b");
        ApiException plane = assertThrows(ApiException.class, () -> calls.enter("c"));
        assertTrue(plane.getMessage().contains("this control plane is serving its limit of 3 calls"), plane.getMessage());
        assertEquals(3, calls.total(), "refusals take no place");
        assertEquals(0, calls.of("c"));
    }

    @Test
    void aPlaceIsGivenBackOnceHoweverOftenItIsClosed() {
        InFlight.Permit first = calls.enter("a");
        calls.enter("a");
        first.close();
        first.close();
        assertEquals(1, calls.total());
        assertEquals(1, calls.of("a"));
        calls.enter("a").close();
        assertEquals(1, calls.of("a"));
    }

    @Test
    void concurrentEntriesNeverExceedTheLimits() throws Exception {
        InFlight wide = new InFlight("calls", 50, 50, Duration.ofSeconds(1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> workers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            workers.add(pool.submit(() -> {
                int refused = 0;
                for (int i = 0; i < 5000; i++) {
                    try (InFlight.Permit permit = wide.enter("t")) {
                        if (wide.total() > 50 || wide.of("t") > 50) {
                            throw new AssertionError("over the limit: " + wide.total());
                        }
                    } catch (ApiException e) {
                        refused++;
                    }
                }
                return refused;
            }));
        }
        for (Future<Integer> worker : workers) {
            worker.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(0, wide.total(), "every place was given back");
        assertEquals(0, wide.of("t"));
    }
}
