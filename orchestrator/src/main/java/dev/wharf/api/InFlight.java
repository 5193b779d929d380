package dev.wharf.api;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts work in flight on this control plane, in total and per tenant, against two limits. {@link #enter}
 * either takes a place or refuses with 429 RESOURCE_EXHAUSTED and Retry-After; the place is given back by
 * {@link Permit#close}, once, however often it is called. Lock-free: it sits on every request's path.
 */
public final class InFlight {
    private final String what;
    private final int planeLimit;
    private final int tenantLimit;
    private final Duration retryAfter;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> byTenant = new ConcurrentHashMap<>();

    /** {@code what} names the work in refusals, e.g. "model interactions". */
    public InFlight(String what, int planeLimit, int tenantLimit, Duration retryAfter) {
        if (planeLimit < 1 || tenantLimit < 1) {
            throw new IllegalArgumentException(what + ": limits must be at least 1");
        }
        this.what = what;
        this.planeLimit = planeLimit;
        this.tenantLimit = tenantLimit;
        this.retryAfter = retryAfter;
    }

    /**
     * Takes a place for {@code tenantId}, or throws the 429 that says which limit was reached: the tenant's is
     * checked first, so a tenant over its own share learns that rather than that the plane is busy.
     */
    public Permit enter(String tenantId) {
        AtomicInteger tenant = byTenant.compute(tenantId, (id, count) -> {
            AtomicInteger counter = count == null ? new AtomicInteger() : count;
            counter.incrementAndGet();
            return counter;
        });
        if (tenant.get() > tenantLimit) {
            releaseTenant(tenantId);
            throw ApiException.exhausted("this tenant has its limit of " + tenantLimit + " " + what
                    + " in flight on this control plane; try again when some have finished", retryAfter);
        }
        if (total.incrementAndGet() > planeLimit) {
            total.decrementAndGet();
            releaseTenant(tenantId);
            throw ApiException.exhausted("this control plane is serving its limit of " + planeLimit + " " + what
                    + " at once; try again shortly", retryAfter);
        }
        return new Permit(tenantId);
    }

    public int total() {
        return total.get();
    }

    public int of(String tenantId) {
        AtomicInteger count = byTenant.get(tenantId);
        return count == null ? 0 : count.get();
    }

    private void releaseTenant(String tenantId) {
        // A tenant's counter goes when it reaches zero, so the map holds only tenants with work in flight.
        byTenant.computeIfPresent(tenantId, (id, count) -> count.decrementAndGet() == 0 ? null : count);
    }

    /** One place taken; closing it more than once gives it back once. */
    public final class Permit implements AutoCloseable {
        private final String tenantId;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Permit(String tenantId) {
            this.tenantId = tenantId;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                total.decrementAndGet();
                releaseTenant(tenantId);
            }
        }
    }
}
