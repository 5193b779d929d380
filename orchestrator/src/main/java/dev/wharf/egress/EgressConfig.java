package dev.wharf.egress;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The egress proxy: the one way out of a sandbox (docs/ARCHITECTURE.md, "Egress"). The control plane starts it as
 * its own process on the sandbox network's gateway address and restarts it when it exits; every setting here
 * reaches it as an environment variable.
 */
@ConfigMapping(prefix = "wharf.egress")
public interface EgressConfig {
    /** Whether sandboxes get the proxy at all; off, every sandbox is offline whatever its network policy says. */
    @WithDefault("true")
    boolean enabled();

    /** Port the proxy listens on at the sandbox network's gateway address (the host firewall opens it). */
    @WithDefault("7072")
    int port();

    /**
     * The proxy's jar (the egress-proxy module's build); empty: egress-proxy/target/wharf-egress-proxy.jar under the
     * working directory or its parent (a source checkout).
     */
    Optional<String> proxyJar();

    /** Where the proxy keeps its certificate authority (ca.crt, and ca.key readable by its owner only). */
    @WithDefault("${user.home}/.wharf/egress")
    String stateDir();

    /**
     * Names the proxy sends to a fixed address instead of resolving them: comma-separated {@code name=ip:port} or
     * {@code name:port=ip:port} (env WHARF_EGRESS_HOSTS). Operator-mapped names may point at private addresses.
     */
    Optional<String> hosts();

    /**
     * A hosts-format file the proxy resolves every other name with instead of DNS (air-gapped installations, tests):
     * names not in it do not resolve. Its addresses are checked like DNS answers (no private destinations).
     */
    Optional<String> resolveFile();

    /**
     * Extra certificate authorities (a PEM file, env WHARF_EGRESS_UPSTREAM_CA) the proxy trusts for upstream TLS next
     * to the system's, and that sandboxes trust as well.
     */
    Optional<String> upstreamCa();

    /** Whether an allowlist may hold {@code *} (any public host); a tenant's egress_allow_any_host overrides it. */
    @WithDefault("true")
    boolean allowAnyHost();

    /** Concurrent connections one sandbox may hold open through the proxy. */
    @WithDefault("64")
    int maxConnectionsPerSandbox();

    /** Connections through the proxy from all sandboxes together. */
    @WithDefault("4096")
    int maxConnections();

    /** Bytes per second one sandbox may move through the proxy in each direction, across its connections (0: no cap). */
    @WithDefault("10485760")
    long bandwidthBytesPerSecond();

    /** How long the proxy may take to say it is ready before the start counts as failed. */
    @WithDefault("30s")
    Duration startTimeout();

    /** Wait before restarting a proxy that exited; doubles up to a minute while it keeps failing at once. */
    @WithDefault("1s")
    Duration restartBackoff();
}
