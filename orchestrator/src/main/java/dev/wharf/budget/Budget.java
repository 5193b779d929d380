package dev.wharf.budget;

import java.math.BigDecimal;
import java.util.List;

/**
 * A tenant's monthly limits (null: unlimited), the percentages at which it is alerted, and whether reaching a
 * limit also stops its running interactions (otherwise only new work is refused).
 */
public record Budget(String tenantId, BigDecimal sandboxMinutes, Long tokens, BigDecimal cost,
                     List<Integer> thresholds, boolean stopRunning) {

    public static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);

    /** A tenant that never set a budget: no limits. */
    public static Budget none(String tenantId) {
        return new Budget(tenantId, null, null, null, DEFAULT_THRESHOLDS, false);
    }

    public BigDecimal limit(BudgetKind kind) {
        return switch (kind) {
            case SANDBOX_MINUTES -> sandboxMinutes;
            case TOKENS -> tokens == null ? null : BigDecimal.valueOf(tokens);
            case COST -> cost;
        };
    }
}
