package dev.wharf.budget;

import dev.wharf.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The body of {@code PUT /admin/v1/tenants/{id}/budget}: {@code {sandbox_minutes?, tokens?, cost?, thresholds?,
 * stop_running?}}. It replaces the whole budget: an absent or null limit is no limit, absent thresholds are
 * 50, 80, 100, absent stop_running is false.
 */
final class BudgetRequest {
    private static final Set<String> FIELDS = Set.of("sandbox_minutes", "tokens", "cost", "thresholds", "stop_running");
    private static final int MAX_THRESHOLDS = 10;
    /** The tokens column is a bigint. */
    private static final BigDecimal MAX_TOKENS = BigDecimal.valueOf(Long.MAX_VALUE);
    /** sandbox_minutes is numeric(18, 6) and cost numeric(24, 12): both hold less than 10^12. */
    private static final BigDecimal MAX_DECIMAL_LIMIT = new BigDecimal("999999999999");
    private static final int MAX_NUMBER_CHARS = 40;

    private BudgetRequest() {
    }

    static Budget parse(String tenantId, JsonObject body) {
        JsonObject request = body == null ? new JsonObject() : body;
        for (String field : request.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw ApiException.invalidArgument("unknown budget field " + field + "; a budget has "
                        + String.join(", ", new TreeSet<>(FIELDS)));
            }
        }
        BigDecimal tokens = positive(request, "tokens", BigDecimal.ONE, MAX_TOKENS);
        if (tokens != null && tokens.stripTrailingZeros().scale() > 0) {
            throw ApiException.invalidArgument("tokens must be a whole number");
        }
        Object stop = request.getValue("stop_running");
        if (stop != null && !(stop instanceof Boolean)) {
            throw ApiException.invalidArgument("stop_running must be true or false");
        }
        return new Budget(tenantId, positive(request, "sandbox_minutes", new BigDecimal("0.000001"), MAX_DECIMAL_LIMIT),
                tokens == null ? null : tokens.longValueExact(), positive(request, "cost", new BigDecimal("0.000000000001"), MAX_DECIMAL_LIMIT),
                thresholds(request),
                Boolean.TRUE.equals(stop));
    }

    /**
     * A positive number below {@code max}, or null; int64 and decimal fields may also arrive as strings. The maximum
     * is what the column holds, so 2^63 or 1e308 is a 400 naming the field rather than a numeric overflow.
     */
    private static BigDecimal positive(JsonObject request, String field, BigDecimal min, BigDecimal max) {
        Object value = request.getValue(field);
        if (value == null) {
            return null;
        }
        BigDecimal number;
        try {
            number = value instanceof Number n ? new BigDecimal(n.toString())
                    : value instanceof String s && s.trim().length() <= MAX_NUMBER_CHARS ? new BigDecimal(s.trim())
                    : null;
        } catch (NumberFormatException e) {
            number = null;
        }
        if (number == null || number.signum() <= 0) {
            throw ApiException.invalidArgument(field + " must be a positive number, or null for no limit");
        }
        if (number.compareTo(max) > 0) {
            throw ApiException.invalidArgument(field + " may be at most " + max.toPlainString());
        }
        // The column keeps a fixed number of decimals; anything smaller would be stored as zero.
        if (number.compareTo(min) < 0) {
            throw ApiException.invalidArgument(field + " must be at least " + min.toPlainString());
        }
        return number;
    }

    private static List<Integer> thresholds(JsonObject request) {
        Object value = request.getValue("thresholds");
        if (value == null) {
            return Budget.DEFAULT_THRESHOLDS;
        }
        if (!(value instanceof JsonArray array) || array.size() > MAX_THRESHOLDS) {
            throw ApiException.invalidArgument("thresholds must be a list of at most " + MAX_THRESHOLDS
                    + " percentages, e.g. [50, 80, 100]");
        }
        TreeSet<Integer> percents = new TreeSet<>();
        for (Object item : array) {
            if (!(item instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                    || n.doubleValue() < 1 || n.doubleValue() > 100) {
                throw ApiException.invalidArgument("each threshold must be a whole percentage from 1 to 100");
            }
            percents.add(n.intValue());
        }
        return List.copyOf(percents);
    }
}
