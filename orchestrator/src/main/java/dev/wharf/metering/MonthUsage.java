package dev.wharf.metering;

import java.math.BigDecimal;
import java.time.LocalDate;

/** A tenant's consumption in one UTC calendar month ({@code period} is its first day), from the ledger. */
public record MonthUsage(LocalDate period, BigDecimal sandboxSeconds, long inputTokens, long outputTokens,
                         long thoughtTokens, BigDecimal cost) {

    public long totalTokens() {
        return inputTokens + outputTokens + thoughtTokens;
    }

    public BigDecimal sandboxMinutes() {
        return sandboxSeconds.divide(BigDecimal.valueOf(60), 6, java.math.RoundingMode.HALF_UP);
    }
}
