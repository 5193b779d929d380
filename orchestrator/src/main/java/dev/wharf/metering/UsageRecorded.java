package dev.wharf.metering;

/**
 * Fired (synchronously, on the thread that committed) after usage of {@code tenantId} reached the ledger, so
 * budgets can be evaluated. Observers must not block and must not throw.
 */
public record UsageRecorded(String tenantId) {
}
