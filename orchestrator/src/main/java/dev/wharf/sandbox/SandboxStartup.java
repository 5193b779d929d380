package dev.wharf.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.platform.BlockingCalls;
import dev.wharf.sandbox.docker.HostFirewall;
import dev.wharf.sandbox.docker.SandboxNetwork;
import dev.wharf.sandbox.docker.SandboxRuntime;
import io.quarkus.runtime.ShutdownEvent;
import dev.wharf.sandbox.docker.WorkspaceImages;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * Prepares the engine at start: the workspace image directory and the sandbox network exist, the engine has the
 * configured sandbox runtime, the host firewall fences the network, and the expected image is present. A missing
 * engine or image does not stop the control plane; readiness reports it until it is fixed. A runtime the engine
 * lacks does stop it (every sandbox would fail, and an operator who asked for gVisor must not get runc instead), and
 * so does a firewall that is required but cannot be installed: sandboxes would run with the host open to them.
 */
@ApplicationScoped
public class SandboxStartup {
    private static final Logger LOG = Logger.getLogger(SandboxStartup.class);

    /** Bounds the wait for the firewall's iptables calls (each is bounded itself; this is the backstop). */
    private static final Duration FIREWALL_WAIT = Duration.ofSeconds(60);

    private final SandboxNetwork network;
    private final HostFirewall firewall;
    private final BlockingCalls blocking;
    private final DockerClient docker;
    private final SandboxConfig config;
    private final WorkspaceImages images;
    private final SandboxRuntime runtime;
    private final List<Cidr> sandboxSubnets = new CopyOnWriteArrayList<>();
    private volatile String gatewayAddress;

    public SandboxStartup(SandboxNetwork network, HostFirewall firewall, BlockingCalls blocking, DockerClient docker,
                          SandboxConfig config, WorkspaceImages images, SandboxRuntime runtime) {
        this.network = network;
        this.firewall = firewall;
        this.blocking = blocking;
        this.docker = docker;
        this.config = config;
        this.images = images;
        this.runtime = runtime;
    }

    void onStart(@Observes StartupEvent event) {
        SandboxNetwork.Addresses addresses;
        try {
            images.createRoot();
            LOG.infof("workspace images in %s (%s each)", images.root(), config.workspaceSize());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.errorf("workspace directory %s not usable: %s", images.root(), e.getMessage());
        }
        try {
            addresses = network.ensure();
            addresses.subnets().stream().map(Cidr::parse).forEach(sandboxSubnets::add);
            gatewayAddress = addresses.gateways().isEmpty() ? null : addresses.gateways().get(0);
            LOG.infof("sandbox network %s: %s, host reachable from sandboxes at %s", config.network(),
                    sandboxSubnets, gatewayAddress);
        } catch (RuntimeException e) {
            LOG.errorf("Docker engine not usable at %s: %s", config.dockerHost(), e.getMessage());
            return;
        }
        // The engine answered, so a missing runtime is a configuration error: end the start with the fix.
        runtime.require();
        LOG.infof("sandboxes run under the %s runtime", runtime.name());
        if (gatewayAddress != null) {
            // Before the model gateway listens (it observes start after this). Synchronous on purpose: a
            // FirewallException ends the start with its message rather than run sandboxes unfenced.
            String gateway = gatewayAddress;
            String bridge = addresses.bridge();
            blocking.run(() -> firewall.install(bridge, gateway)).await().atMost(FIREWALL_WAIT);
        }
        try {
            docker.inspectImageCmd(config.image()).exec();
            LOG.infof("sandbox image %s present", config.image());
        } catch (NotFoundException e) {
            LOG.errorf("sandbox image %s is missing: build it with ./wharf image", config.image());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (firewall.installed() == null) {
            return;
        }
        try {
            blocking.run(() -> {
                firewall.remove(network.hasContainers());
                return null;
            }).await().atMost(FIREWALL_WAIT);
        } catch (RuntimeException e) {
            LOG.warnf("host firewall not removed (the next start replaces it): %s", e.getMessage());
        }
    }

    /** The host's address on the sandbox network, where sandboxes reach the control plane; null if unknown. */
    public String gatewayAddress() {
        return gatewayAddress;
    }

    /** True when {@code ip} belongs to a sandbox: such callers may not use the public API. */
    public boolean isSandboxAddress(String ip) {
        return sandboxSubnets.stream().anyMatch(cidr -> cidr.contains(ip));
    }
}
