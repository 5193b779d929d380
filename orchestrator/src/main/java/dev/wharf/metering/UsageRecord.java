package dev.wharf.metering;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One row of the append-only usage ledger: a piece of sandbox time (within one UTC day) or one model call's
 * tokens, with who used it, for what, and its cost as priced when it was written.
 */
public record UsageRecord(
        String tenantId,
        String kind,
        Instant occurredAt,
        Instant endedAt,
        LocalDate period,
        String environmentId,
        String containerId,
        String interactionId,
        String agent,
        String model,
        String serviceTier,
        BigDecimal sandboxSeconds,
        long inputTokens,
        long outputTokens,
        long thoughtTokens,
        BigDecimal cost) {

    public static final String SANDBOX = "sandbox";
    public static final String TOKENS = "tokens";
}
