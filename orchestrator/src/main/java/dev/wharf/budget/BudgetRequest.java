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
        BigDecimal tokens = positive(request, "tokens");
        if (tokens != null && tokens.stripTrailingZeros().scale() > 0) {
            throw ApiException.invalidArgument("tokens must be a whole number");
        }
        Object stop = request.getValue("stop_running");
        if (stop != null && !(stop instanceof Boolean)) {
            throw ApiException.invalidArgument("stop_running must be true or false");
        }
        return new Budget(tenantId, positive(request, "sandbox_minutes"),
                tokens == null ? null : tokens.longValueExact(), positive(request, "cost"), thresholds(request),
                Boolean.TRUE.equals(stop));
    }

    /** A positive number, or null; int64 and decimal fields may also arrive as strings. */
    private static BigDecimal positive(JsonObject request, String field) {
        Object value = request.getValue(field);
        if (value == null) {
            return null;
        }
        BigDecimal number;
        try {
            number = value instanceof Number n ? new BigDecimal(n.toString())
                    : value instanceof String s ? new BigDecimal(s.trim()) : null;
        } catch (NumberFormatException e) {
            number = null;
        }
        if (number == null || number.signum() <= 0) {
            throw ApiException.invalidArgument(field + " must be a positive number, or null for no limit");
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
                    || n.intValue() < 1 || n.intValue() > 100) {
                throw ApiException.invalidArgument("each threshold must be a whole percentage from 1 to 100");
            }
            percents.add(n.intValue());
        }
        return List.copyOf(percents);
    }
}
