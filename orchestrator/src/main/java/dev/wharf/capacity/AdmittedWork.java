package dev.wharf.capacity;

import io.smallrye.mutiny.Uni;
import java.time.Duration;

/**
 * What the queue hands admitted work to: the interactions, which know how to start an agent run. Declared here so
 * capacity depends on nothing above it; the interaction package implements it.
 */
public interface AdmittedWork {

    /** How long an admitted interaction is owned by the admitting control plane before its run renews the lease. */
    Duration ownerLease();

    /** Starts the admitted interaction {@code id}, whose claim committed. */
    Uni<Void> start(String id);
}
