package dev.wharf.budget;

import dev.wharf.metering.Figures;
import dev.wharf.metering.MonthUsage;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** The three monthly limits a budget may set, with how each is measured from the month's usage. */
public enum BudgetKind {
    SANDBOX_MINUTES("sandbox_minutes", "sandbox-minute"),
    TOKENS("tokens", "token"),
    COST("cost", "cost");

    private final String wire;
    private final String noun;

    BudgetKind(String wire, String noun) {
        this.wire = wire;
        this.noun = noun;
    }

    public String wire() {
        return wire;
    }

    /** What the month has used of this limit: minutes of sandbox time, tokens of every kind, or money. */
    public BigDecimal consumed(MonthUsage usage) {
        return switch (this) {
            case SANDBOX_MINUTES -> usage.sandboxMinutes();
            case TOKENS -> BigDecimal.valueOf(usage.totalTokens());
            case COST -> usage.cost();
        };
    }

    /** The unit amounts are in: minutes, tokens, or the price book's currency. */
    public String unit(String currency) {
        return switch (this) {
            case SANDBOX_MINUTES -> "minutes";
            case TOKENS -> "tokens";
            case COST -> currency;
        };
    }

    /** "cost budget of 10.00 USD", "token budget of 1000 tokens", "sandbox-minute budget of 60 minutes". */
    public String describe(BigDecimal limit, String currency) {
        return noun + " budget of " + amount(limit) + " " + unit(currency);
    }

    String amount(BigDecimal value) {
        if (this == COST) {
            BigDecimal stripped = value.stripTrailingZeros();
            return (stripped.scale() <= 2 ? value.setScale(2, RoundingMode.HALF_UP) : stripped).toPlainString();
        }
        return Figures.plain(value).toPlainString();
    }

    public static BudgetKind fromWire(String wire) {
        for (BudgetKind kind : values()) {
            if (kind.wire.equals(wire)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown budget " + wire);
    }
}
