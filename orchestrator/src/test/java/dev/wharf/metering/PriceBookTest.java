package dev.wharf.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceBookTest {
    final PriceBook prices = new PriceBook("USD", new BigDecimal("0.006"),
            Map.of("openai/big", new PriceBook.TokenPrices(new BigDecimal("10"), new BigDecimal("30"))),
            new PriceBook.TokenPrices(new BigDecimal("1"), new BigDecimal("4")),
            Map.of("flex", new BigDecimal("0.5"), "standard", BigDecimal.ONE, "priority", new BigDecimal("1.75")));

    static void assertAmount(String expected, BigDecimal actual) {
        assertEquals(0, new BigDecimal(expected).compareTo(actual), expected + " vs " + actual);
    }

    @Test
    void flexCostsHalfAndPriorityOneAndThreeQuartersOfStandard() {
        BigDecimal standard = prices.tokenCost("openai/big", 1000, 500, 100, "standard");
        assertAmount("0.028", standard); // (1000 x 10 + 600 x 30) / 1e6
        assertAmount("0.014", prices.tokenCost("openai/big", 1000, 500, 100, "flex"));
        assertAmount("0.049", prices.tokenCost("openai/big", 1000, 500, 100, "priority"));

        BigDecimal sandbox = prices.sandboxCost(new BigDecimal("90"), "standard");
        assertAmount("0.009", sandbox); // 1.5 minutes at 0.006
        assertAmount("0.0045", prices.sandboxCost(new BigDecimal("90"), "flex"));
        assertAmount("0.01575", prices.sandboxCost(new BigDecimal("90"), "priority"));
    }

    @Test
    void unlistedModelsUseTheDefaultPricesAndThoughtsAreBilledAsOutput() {
        assertAmount("0.000009", prices.tokenCost("openai/other", 1, 1, 1, "standard"));
        assertAmount("0.000001", prices.tokenCost(null, 1, 0, 0, "standard"));
    }

    @Test
    void unknownOrMissingTiersAreBilledAsStandard() {
        assertEquals("standard", prices.tier(null));
        assertEquals("standard", prices.tier("turbo"));
        assertEquals("flex", prices.tier("flex"));
        assertEquals(prices.tokenCost("m", 10, 10, 0, "standard"), prices.tokenCost("m", 10, 10, 0, "turbo"));
    }

    @Test
    void aMicrosecondOfSandboxTimeStillCosts() {
        assertEquals(1, prices.sandboxCost(new BigDecimal("0.000001"), "flex").signum());
    }
}
