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
    /** The owning tenant; every API read checks it, so another tenant's environment is a 404. */
    public String tenantId;
    public EnvironmentStatus status;
    public Instant createdAt;
    public Instant updatedAt;
    public Instant lastAccessedAt;
    /** While active: when the idle TTL runs out, or the maximum lifetime if that comes first. */
    public Instant expiresAt;
    /** When the current sandbox became active (created or resumed); its maximum lifetime counts from here. */
    public Instant activeSince;
    /** While expired or failed: when the workspace files are deleted. */
    public Instant purgeAt;
    public String containerId;
    public String sandboxAddress;
    /** Secret the sandbox daemon accepts; never returned by the API. */
    public String sandboxToken;
    public String volumeName;
    /** {@link NetworkPolicy#stored()}: {@code disabled} or the allowlist's canonical JSON. */
    public String network;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public Map<String, String> envVars;
    /**
     * Variables that stand for a credential: name to {@code {credential, placeholder}}. The sandbox sees only the
     * placeholder (it is the variable's value in {@link #envVars}); the egress proxy swaps in the secret.
     */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public Map<String, Map<String, String>> credentialEnv;
    public long fileCount;
    public long sizeBytes;
    /** The workspace's hard size, fixed when it was made; null for a workspace made before limits existed. */
    public Long workspaceLimitBytes;
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
