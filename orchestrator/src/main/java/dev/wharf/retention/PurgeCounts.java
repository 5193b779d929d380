package dev.wharf.retention;

/** What one purge pass deleted, by kind. */
public record PurgeCounts(long interactions, long interactionEvents, long webhookDeliveries, long environments,
                          long usageRecords, long networkLogEntries) {

    public static final PurgeCounts NONE = new PurgeCounts(0, 0, 0, 0, 0, 0);

    public PurgeCounts plus(PurgeCounts other) {
        return new PurgeCounts(interactions + other.interactions, interactionEvents + other.interactionEvents,
                webhookDeliveries + other.webhookDeliveries, environments + other.environments,
                usageRecords + other.usageRecords, networkLogEntries + other.networkLogEntries);
    }
}
