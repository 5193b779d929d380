package dev.wharf.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.ApiException;
import dev.wharf.metering.MonthUsage;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetCheckTest {
    static MonthUsage usage(String seconds, long tokens, String cost) {
        return new MonthUsage(LocalDate.parse("2026-07-01"), new BigDecimal(seconds), tokens, 0, 0,
                new BigDecimal(cost));
    }

    @Test
    void thresholdsAreCrossedAtTheirPercentageOfEachLimit() {
        Budget budget = new Budget("t", new BigDecimal("10"), 1000L, new BigDecimal("2.00"), List.of(50, 80, 100),
                false);
        List<BudgetCheck.Crossing> crossed = BudgetCheck.crossed(budget, usage("300", 800, "0.99"));
        // 5 of 10 minutes (50 %), 800 of 1000 tokens (50 %, 80 %), 0.99 of 2.00 (none)
        assertEquals(List.of("sandbox_minutes/50", "tokens/50", "tokens/80"),
                crossed.stream().map(c -> c.kind().wire() + "/" + c.threshold()).toList());
        assertTrue(BudgetCheck.exhausted(budget, usage("300", 800, "0.99")).isEmpty());
    }

    @Test
    void aLimitReachedExactlyIsUsedUpAndNamedInTheRefusal() {
        Budget budget = new Budget("acme", null, null, new BigDecimal("10"), List.of(50, 80, 100), false);
        BudgetCheck.Crossing used = BudgetCheck.exhausted(budget, usage("0", 0, "10.000")).orElseThrow();
        assertEquals(BudgetKind.COST, used.kind());
        assertEquals("monthly cost budget of 10.00 USD for tenant acme is used up",
                BudgetCheck.usedUp(used, "acme", "USD"));
        Budget tokens = new Budget("acme", new BigDecimal("1.5"), 100L, null, List.of(), false);
        assertEquals("monthly token budget of 100 tokens for tenant acme is used up", BudgetCheck.usedUp(
                BudgetCheck.exhausted(tokens, usage("0", 100, "0")).orElseThrow(), "acme", "USD"));
        assertEquals("monthly sandbox-minute budget of 1.5 minutes for tenant acme is used up", BudgetCheck.usedUp(
                BudgetCheck.exhausted(tokens, usage("90", 0, "0")).orElseThrow(), "acme", "USD"));
    }

    @Test
    void thresholdsOnlyAlertWhileEnforcementIsAlwaysAtTheLimit() {
        Budget budget = new Budget("t", null, 100L, null, List.of(90), false);
        assertEquals(1, BudgetCheck.crossed(budget, usage("0", 95, "0")).size());
        assertTrue(BudgetCheck.exhausted(budget, usage("0", 95, "0")).isEmpty());
        assertTrue(BudgetCheck.exhausted(budget, usage("0", 100, "0")).isPresent());
    }

    @Test
    void requestsAreValidatedAndReplaceTheWholeBudget() {
        Budget parsed = BudgetRequest.parse("t", new JsonObject().put("tokens", "5000").put("cost", 12.5)
                .put("thresholds", List.of(100, 25, 25)).put("stop_running", true));
        assertEquals(5000L, parsed.tokens());
        assertEquals(0, new BigDecimal("12.5").compareTo(parsed.cost()));
        assertEquals(null, parsed.sandboxMinutes());
        assertEquals(List.of(25, 100), parsed.thresholds());
        assertTrue(parsed.stopRunning());
        assertEquals(Budget.DEFAULT_THRESHOLDS, BudgetRequest.parse("t", new JsonObject()).thresholds());

        for (JsonObject bad : List.of(new JsonObject().put("tokens", -1), new JsonObject().put("cost", 0),
                new JsonObject().put("tokens", 1.5), new JsonObject().put("sandbox_minutes", "lots"),
                new JsonObject().put("thresholds", List.of(0)), new JsonObject().put("thresholds", List.of(101)),
                new JsonObject().put("thresholds", "50"), new JsonObject().put("stop_running", "yes"),
                new JsonObject().put("monthly", 5))) {
            assertThrows(ApiException.class, () -> BudgetRequest.parse("t", bad), bad.encode());
        }
    }
}
