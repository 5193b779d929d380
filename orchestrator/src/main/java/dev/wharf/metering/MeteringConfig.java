package dev.wharf.metering;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * The price book and the metering cadence. Prices are in {@link #currency()}; the defaults are placeholders an
 * operator is expected to replace with their own costs. A model's prices are looked up by the model id as the
 * request named it ({@code openai/gpt-4o}); in a properties file quote such a key:
 * {@code wharf.metering.models."openai/gpt-4o".input-per-million=2.50}.
 */
@ConfigMapping(prefix = "wharf.metering")
public interface MeteringConfig {

    /** ISO 4217 code of every price here and of every cost Wharf reports ({@code x_cost}, usage, budgets). */
    @WithDefault("USD")
    String currency();

    /** Price of one minute of sandbox running time (there is one sandbox size today), billed per microsecond. */
    @WithDefault("0.002")
    BigDecimal sandboxMinutePrice();

    /** Token prices by model id; a model not listed here is priced with {@link #defaultModel()}. */
    Map<String, TokenPrices> models();

    /** Token prices of every model not listed under {@code models}. */
    TokenPrices defaultModel();

    /** Multipliers applied to every price by the interaction's {@code service_tier}. */
    ServiceTiers serviceTiers();

    /**
     * How often running sandboxes' time is written to the ledger and open intervals are checked against the
     * engine (closing those whose container is gone); {@code off} disables it. Budgets on sandbox minutes are
     * evaluated at this cadence while a sandbox runs.
     */
    @WithDefault("60s")
    String checkpointInterval();

    /** How long recording a sandbox's start or stop may take before the sandbox operation gives up on it. */
    @WithDefault("10s")
    Duration writeTimeout();

    /** Prices of one model's tokens. */
    interface TokenPrices {
        /** Price of one million input (prompt) tokens. */
        @WithDefault("1.00")
        BigDecimal inputPerMillion();

        /** Price of one million output tokens; thought (reasoning) tokens are billed at this rate too. */
        @WithDefault("4.00")
        BigDecimal outputPerMillion();
    }

    /** The contract's service tiers and their price multipliers. */
    interface ServiceTiers {
        /** Multiplier for {@code service_tier: flex}. */
        @WithDefault("0.5")
        BigDecimal flex();

        /** Multiplier for {@code service_tier: standard}, and for requests that name no (or an unknown) tier. */
        @WithDefault("1")
        BigDecimal standard();

        /** Multiplier for {@code service_tier: priority}. */
        @WithDefault("1.75")
        BigDecimal priority();
    }
}
