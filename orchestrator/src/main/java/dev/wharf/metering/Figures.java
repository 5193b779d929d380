package dev.wharf.metering;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * How usage figures appear in JSON: always numbers (the SDKs parse usage fields as numbers), seconds to the
 * millisecond and money to nine decimal places, without trailing zeros.
 */
public final class Figures {
    private static final int SECONDS_SCALE = 3;
    private static final int MONEY_SCALE = 9;

    private Figures() {
    }

    public static BigDecimal seconds(BigDecimal seconds) {
        return plain(seconds.setScale(SECONDS_SCALE, RoundingMode.HALF_UP));
    }

    public static BigDecimal money(BigDecimal amount) {
        return plain(amount.setScale(MONEY_SCALE, RoundingMode.HALF_UP));
    }

    /** Without trailing zeros and never in exponent form: {@code 1E+2} is shown as {@code 100}. */
    public static BigDecimal plain(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
