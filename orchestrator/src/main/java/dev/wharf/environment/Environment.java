package dev.wharf.environment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One environment: a workspace volume that outlives the sandbox containers started on it. */
@Entity
@Table(name = "environment")
public class Environment {
    @Id
    public String id;
    public EnvironmentStatus status;
    public Instant createdAt;
    public Instant updatedAt;
    public Instant lastAccessedAt;
    /** While active: when the idle TTL runs out. */
    public Instant expiresAt;
    /** While expired or failed: when the workspace files are deleted. */
    public Instant purgeAt;
    public String containerId;
    public String sandboxAddress;
    /** Secret the sandbox daemon accepts; never returned by the API. */
    public String sandboxToken;
    public String volumeName;
    public String network;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public Map<String, String> envVars;
    public long fileCount;
    public long sizeBytes;
    /**
     * Created on its own (POST /v1/environments) rather than for an agent interaction: it holds a sandbox slot
     * whenever it is provisioning or active (see dev.wharf.capacity).
     */
    public boolean standalone;
    public String failureReason;
    public String failureMessage;
    public Integer failureExitCode;
    public long version;
}
