package dev.wharf.metering;

import java.time.Instant;

/**
 * A running sandbox's open interval, read under its row lock, with the database's clock at that moment.
 * {@code interactionLive} tells whether the interaction it is charged to is still running.
 */
record OpenInterval(String containerId, String tenantId, String environmentId, String interactionId, String agent,
                    String serviceTier, Instant startedAt, Instant meteredUntil, Instant dbNow,
                    boolean interactionLive) {

    /**
     * {@code instant} bounded to the time not yet metered: never before metered_until, never after now; and cut to
     * the database's microseconds (the engine reports nanoseconds), so a record's seconds equal its stored span.
     */
    Instant bounded(Instant engineOrDbTime) {
        Instant instant = engineOrDbTime.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        if (instant.isBefore(meteredUntil)) {
            return meteredUntil;
        }
        Instant now = dbNow.isBefore(meteredUntil) ? meteredUntil : dbNow;
        return instant.isAfter(now) ? now : instant;
    }

    /** Now, as the database tells it, but never before metered_until. */
    Instant now() {
        return bounded(dbNow);
    }
}
