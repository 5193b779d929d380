package dev.wharf.budget;

import dev.wharf.metering.MonthUsage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Where a month's usage stands against a budget: which thresholds it has crossed, and which limit is used up. Pure. */
final class BudgetCheck {
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private BudgetCheck() {
    }

    /** A threshold (a percentage of a limit) the month's consumption has reached. */
    record Crossing(BudgetKind kind, int threshold, BigDecimal consumed, BigDecimal limit) {
    }

    /** Every threshold reached, by limit, lowest first. */
    static List<Crossing> crossed(Budget budget, MonthUsage usage) {
        List<Crossing> crossed = new ArrayList<>();
        for (BudgetKind kind : BudgetKind.values()) {
            BigDecimal limit = budget.limit(kind);
            if (limit == null) {
                continue;
            }
            BigDecimal consumed = kind.consumed(usage);
            budget.thresholds().stream().sorted().forEach(threshold -> {
                if (consumed.multiply(HUNDRED).compareTo(limit.multiply(BigDecimal.valueOf(threshold))) >= 0) {
                    crossed.add(new Crossing(kind, threshold, consumed, limit));
                }
            });
        }
        return crossed;
    }

    /** The first limit the month has used up entirely, whatever the alert thresholds are. */
    static Optional<Crossing> exhausted(Budget budget, MonthUsage usage) {
        for (BudgetKind kind : List.of(BudgetKind.COST, BudgetKind.TOKENS, BudgetKind.SANDBOX_MINUTES)) {
            BigDecimal limit = budget.limit(kind);
            if (limit != null && kind.consumed(usage).compareTo(limit) >= 0) {
                return Optional.of(new Crossing(kind, 100, kind.consumed(usage), limit));
            }
        }
        return Optional.empty();
    }

    /** "monthly cost budget of 10.00 USD for tenant acme is used up". */
    static String usedUp(Crossing exhausted, String tenantId, String currency) {
        return "monthly " + exhausted.kind().describe(exhausted.limit(), currency) + " for tenant " + tenantId
                + " is used up";
    }
}
