package dev.wharf.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.sandbox.docker.SandboxNetwork;
import dev.wharf.sandbox.docker.WorkspaceImages;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * Prepares the engine at start: the workspace image directory and the sandbox network exist, and the expected
 * image is present. A missing
 * engine or image does not stop the control plane; readiness reports it until it is fixed.
 */
@ApplicationScoped
public class SandboxStartup {
    private static final Logger LOG = Logger.getLogger(SandboxStartup.class);

    private final SandboxNetwork network;
    private final DockerClient docker;
    private final SandboxConfig config;
    private final WorkspaceImages images;
    private final List<Cidr> sandboxSubnets = new CopyOnWriteArrayList<>();
    private volatile String gatewayAddress;

    public SandboxStartup(SandboxNetwork network, DockerClient docker, SandboxConfig config, WorkspaceImages images) {
        this.network = network;
        this.docker = docker;
        this.config = config;
        this.images = images;
    }

    void onStart(@Observes StartupEvent event) {
        try {
            images.createRoot();
            LOG.infof("workspace images in %s (%s each)", images.root(), config.workspaceSize());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.errorf("workspace directory %s not usable: %s", images.root(), e.getMessage());
        }
        try {
            SandboxNetwork.Addresses addresses = network.ensure();
            addresses.subnets().stream().map(Cidr::parse).forEach(sandboxSubnets::add);
            gatewayAddress = addresses.gateways().isEmpty() ? null : addresses.gateways().get(0);
            LOG.infof("sandbox network %s: %s, host reachable from sandboxes at %s", config.network(),
                    sandboxSubnets, gatewayAddress);
        } catch (RuntimeException e) {
            LOG.errorf("Docker engine not usable at %s: %s", config.dockerHost(), e.getMessage());
            return;
        }
        try {
            docker.inspectImageCmd(config.image()).exec();
            LOG.infof("sandbox image %s present", config.image());
        } catch (NotFoundException e) {
            LOG.errorf("sandbox image %s is missing: build it with ./wharf image", config.image());
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
