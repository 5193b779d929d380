package dev.wharf.metering;

import java.math.BigDecimal;

/** What an interaction has used so far beyond its tokens: sandbox seconds, and its whole cost, tokens included. */
public record InteractionCharges(BigDecimal sandboxSeconds, BigDecimal cost) {
}
