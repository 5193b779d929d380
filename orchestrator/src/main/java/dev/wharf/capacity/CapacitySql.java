package dev.wharf.capacity;

/**
 * The statements every admission shares, whether it runs on the reactive pool (the dispatcher) or inside a
 * Hibernate transaction (a standalone environment): the capacity lock and the count of slots in use.
 */
final class CapacitySql {
    private CapacitySql() {
    }

    /**
     * Serialises every admission on every control plane until the transaction ends. Slots are counted by the
     * statement after it, which (read committed) sees everything the previous holder of the lock committed.
     */
    static final String LOCK = "SELECT 1 FROM pg_advisory_xact_lock(hashtext('wharf.sandbox-capacity'))";

    /**
     * The slots in use, one row each with the tenant holding it: a running standalone environment, and the
     * environment of each admitted agent interaction that has not ended (the interaction's own id while it has no
     * environment yet). UNION counts a sandbox once however many of these name it.
     */
    static final String SLOTS_IN_USE = "SELECT e.id AS slot, e.tenant_id FROM environment e"
            + " WHERE e.standalone AND e.status IN ('provisioning', 'active')"
            + " UNION SELECT COALESCE(i.environment_id, i.id), i.tenant_id FROM interaction i"
            + " WHERE i.agent IS NOT NULL AND (i.status = 'in_progress' OR (i.status = 'queued'"
            + " AND i.admitted_at IS NOT NULL))";

    /**
     * An interaction in the queue: handed over by its creator, not yet admitted, not cancelled, and of a tenant
     * that is not being deleted (a create that raced the deletion must not start a sandbox; the deletion cancels it).
     */
    static final String WAITING = "status = 'queued' AND enqueued_at IS NOT NULL AND admitted_at IS NULL"
            + " AND NOT EXISTS (SELECT 1 FROM tenant dt WHERE dt.id = tenant_id AND dt.state <> 'active')";
}
