package dev.wharf.metering;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/**
 * What usage costs, from {@link MeteringConfig}: sandbox time per minute, tokens per million by model, both
 * multiplied by the service tier's factor. Pure arithmetic on exact decimals; the ledger stores each record's cost
 * as priced here when it was written.
 */
@Singleton
public class PriceBook {
    public static final String STANDARD = "standard";
    /** Costs are kept to 12 decimal places: a single token at a cent per million is still visible. */
    static final int COST_SCALE = 12;
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal SECONDS_PER_MINUTE = BigDecimal.valueOf(60);

    /** Prices of one model's tokens, per million. */
    public record TokenPrices(BigDecimal inputPerMillion, BigDecimal outputPerMillion) {
    }

    private final String currency;
    private final BigDecimal sandboxMinute;
    private final Map<String, TokenPrices> models;
    private final TokenPrices defaultModel;
    private final Map<String, BigDecimal> tiers;

    @Inject
    public PriceBook(MeteringConfig config) {
        this(config.currency(), config.sandboxMinutePrice(), models(config), prices(config.defaultModel()),
                Map.of("flex", config.serviceTiers().flex(), STANDARD, config.serviceTiers().standard(),
                        "priority", config.serviceTiers().priority()));
    }

    public PriceBook(String currency, BigDecimal sandboxMinute, Map<String, TokenPrices> models,
                     TokenPrices defaultModel, Map<String, BigDecimal> tiers) {
        this.currency = currency;
        this.sandboxMinute = sandboxMinute;
        this.models = Map.copyOf(models);
        this.defaultModel = defaultModel;
        this.tiers = Map.copyOf(tiers);
    }

    public String currency() {
        return currency;
    }

    /** The tier a request is billed at: the one it names if the price book knows it, otherwise standard. */
    public String tier(String requested) {
        return requested != null && tiers.containsKey(requested) ? requested : STANDARD;
    }

    public BigDecimal sandboxCost(BigDecimal seconds, String tier) {
        return seconds.multiply(sandboxMinute).multiply(multiplier(tier))
                .divide(SECONDS_PER_MINUTE, COST_SCALE, RoundingMode.HALF_UP);
    }

    /** Thought tokens are billed as output tokens, as the providers bill reasoning. */
    public BigDecimal tokenCost(String model, long input, long output, long thought, String tier) {
        TokenPrices prices = model == null ? defaultModel : models.getOrDefault(model, defaultModel);
        BigDecimal perMillion = BigDecimal.valueOf(input).multiply(prices.inputPerMillion())
                .add(BigDecimal.valueOf(output + thought).multiply(prices.outputPerMillion()));
        return perMillion.multiply(multiplier(tier)).divide(MILLION, COST_SCALE, RoundingMode.HALF_UP);
    }

    private BigDecimal multiplier(String tier) {
        return tiers.getOrDefault(tier(tier), BigDecimal.ONE);
    }

    private static Map<String, TokenPrices> models(MeteringConfig config) {
        Map<String, TokenPrices> models = new HashMap<>();
        config.models().forEach((id, prices) -> models.put(id, prices(prices)));
        return models;
    }

    private static TokenPrices prices(MeteringConfig.TokenPrices prices) {
        return new TokenPrices(prices.inputPerMillion(), prices.outputPerMillion());
    }
}
