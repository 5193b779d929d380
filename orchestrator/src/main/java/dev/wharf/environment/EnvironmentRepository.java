package dev.wharf.environment;

import dev.wharf.sandbox.SandboxFailure;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/**
 * SQL for environments. Every state change is conditional on the state it leaves, per
 * {@link EnvironmentStatus}; a {@code false} result means another actor changed the row first.
 */
@ApplicationScoped
public class EnvironmentRepository implements PanacheRepositoryBase<Environment, String> {

    /** Newest first, after the keyset cursor when one is given; fetches one extra row to detect a next page. */
    public Uni<List<Environment>> page(String tenantId, Instant afterCreated, String afterId, int size) {
        String visible = "tenantId = :tenant and status <> :deleting";
        if (afterCreated == null) {
            return find(visible + " order by createdAt desc, id desc",
                    Parameters.with("deleting", EnvironmentStatus.DELETING).and("tenant", tenantId))
                    .page(0, size + 1).list();
        }
        return find(visible + " and (createdAt < :created or (createdAt = :created and id < :id))"
                        + " order by createdAt desc, id desc",
                Parameters.with("deleting", EnvironmentStatus.DELETING).and("tenant", tenantId)
                        .and("created", afterCreated).and("id", afterId))
                .page(0, size + 1).list();
    }

    /** The ids of all the tenant's environments, whatever their status. */
    public Uni<List<String>> idsOf(String tenantId) {
        return find("tenantId = :tenant order by id", Parameters.with("tenant", tenantId)).list()
                .map(rows -> rows.stream().map(env -> env.id).toList());
    }

    public Uni<Boolean> markActive(String id, String containerId, String address, Instant now, Instant expiresAt) {
        return transition(id, EnvironmentStatus.ACTIVE,
                "containerId = :container, sandboxAddress = :address, lastAccessedAt = :now, activeSince = :now,"
                        + " expiresAt = :expires,"
                        + " purgeAt = null, failureReason = null, failureMessage = null, failureExitCode = null",
                Parameters.with("container", containerId).and("address", address).and("now", now)
                        .and("expires", expiresAt));
    }

    public Uni<Boolean> markFailed(String id, SandboxFailure failure, Instant now, Instant purgeAt) {
        return transition(id, EnvironmentStatus.FAILED,
                "failureReason = :reason, failureMessage = :message, failureExitCode = :exit, expiresAt = null,"
                        + " purgeAt = :purge",
                Parameters.with("reason", failure.reason().wire()).and("message", failure.message())
                        .and("exit", failure.exitCode()).and("now", now).and("purge", purgeAt));
    }

    /** Active only while the idle deadline has passed: a touch that moved the deadline wins over expiry. */
    public Uni<Boolean> markExpired(String id, Instant now, Instant purgeAt) {
        return update("status = :to, updatedAt = :now, expiresAt = null, purgeAt = :purge, version = version + 1"
                        + " where id = :id and status = :from and expiresAt <= :now",
                Parameters.with("to", EnvironmentStatus.EXPIRED).and("now", now).and("purge", purgeAt)
                        .and("id", id).and("from", EnvironmentStatus.ACTIVE))
                .map(rows -> rows == 1);
    }

    public Uni<Boolean> claimForResume(String id, Instant now) {
        return transition(id, EnvironmentStatus.PROVISIONING, "purgeAt = null", Parameters.with("now", now));
    }

    public Uni<Boolean> markDeleting(String id, Instant now) {
        return transition(id, EnvironmentStatus.DELETING, "expiresAt = null", Parameters.with("now", now));
    }

    /** Sets the network policy of an environment that is not being deleted. */
    public Uni<Boolean> updateNetwork(String id, String network, Instant now) {
        return update("network = :network, updatedAt = :now where id = :id and status <> :deleting",
                Parameters.with("network", network).and("now", now).and("id", id)
                        .and("deleting", EnvironmentStatus.DELETING))
                .map(rows -> rows == 1);
    }

    /** The active environment whose sandbox has this address on the sandbox network, if any. */
    public Uni<Environment> activeAt(String address) {
        return find("sandboxAddress = :address and status = :active",
                Parameters.with("address", address).and("active", EnvironmentStatus.ACTIVE)).firstResult();
    }

    /** Records use of an active environment and pushes its idle deadline out. */
    public Uni<Boolean> touch(String id, Instant now, Instant expiresAt) {
        return update("lastAccessedAt = :now, expiresAt = :expires where id = :id and status = :active",
                Parameters.with("now", now).and("expires", expiresAt).and("id", id)
                        .and("active", EnvironmentStatus.ACTIVE))
                .map(rows -> rows == 1);
    }

    /** {@link #touch} and {@link #recordUsage} in one statement, for the use that changed files. */
    public Uni<Boolean> touch(String id, Instant now, Instant expiresAt, long fileCount, long sizeBytes) {
        return update("lastAccessedAt = :now, expiresAt = :expires, fileCount = :count, sizeBytes = :size"
                        + " where id = :id and status = :active",
                Parameters.with("now", now).and("expires", expiresAt).and("count", fileCount).and("size", sizeBytes)
                        .and("id", id).and("active", EnvironmentStatus.ACTIVE))
                .map(rows -> rows == 1);
    }

    public Uni<Integer> recordUsage(String id, long fileCount, long sizeBytes) {
        return update("fileCount = :count, sizeBytes = :size where id = :id",
                Parameters.with("count", fileCount).and("size", sizeBytes).and("id", id));
    }

    public Uni<Boolean> removeDeleted(String id) {
        return delete("id = :id and status = :deleting",
                Parameters.with("id", id).and("deleting", EnvironmentStatus.DELETING)).map(rows -> rows == 1);
    }

    public Uni<List<Environment>> idlePast(Instant now) {
        return list("status = :active and expiresAt <= :now",
                Parameters.with("active", EnvironmentStatus.ACTIVE).and("now", now));
    }

    public Uni<List<Environment>> retentionPast(Instant now) {
        return list("status in (:statuses) and purgeAt <= :now",
                Parameters.with("statuses", List.of(EnvironmentStatus.EXPIRED, EnvironmentStatus.FAILED))
                        .and("now", now));
    }

    public Uni<List<Environment>> inStatus(EnvironmentStatus status) {
        return list("status", status);
    }

    public Uni<List<Object[]>> countByStatus() {
        return getSession().chain(session -> session
                .createQuery("select e.status, count(e) from Environment e group by e.status", Object[].class)
                .getResultList());
    }

    private Uni<Boolean> transition(String id, EnvironmentStatus to, String assignments, Parameters parameters) {
        Parameters all = parameters.and("to", to).and("id", id).and("from", EnvironmentStatus.sourcesOf(to));
        if (!parameters.map().containsKey("now")) {
            throw new IllegalArgumentException("a transition needs :now");
        }
        return update("status = :to, updatedAt = :now, version = version + 1, " + assignments
                + " where id = :id and status in (:from)", all).map(rows -> rows == 1);
    }
}
