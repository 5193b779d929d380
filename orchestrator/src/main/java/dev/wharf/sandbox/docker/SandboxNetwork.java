package dev.wharf.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Network;
import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.SandboxLabels;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bridge network sandboxes join. Internal: no route to the outside world. Inter-container traffic off:
 * one sandbox cannot reach another. The host (and so the control plane) reaches each sandbox by its IP.
 */
@ApplicationScoped
public class SandboxNetwork {
    private static final String ICC_OPTION = "com.docker.network.bridge.enable_icc";
    private static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";

    private final DockerClient docker;
    private final SandboxConfig config;

    public SandboxNetwork(DockerClient docker, SandboxConfig config) {
        this.docker = docker;
        this.config = config;
    }

    /**
     * The network's address ranges (CIDR), the host's address on it (the gateway sandboxes can reach) and the host's
     * bridge interface, where packets from sandboxes enter the host.
     */
    public record Addresses(List<String> subnets, List<String> gateways, String bridge) {
    }

    /** Creates the network if absent and returns its addresses. */
    public Addresses ensure() {
        Network network = find().orElseGet(() -> {
            docker.createNetworkCmd()
                    .withName(config.network())
                    .withDriver("bridge")
                    .withInternal(true)
                    .withOptions(Map.of(ICC_OPTION, "false"))
                    .withLabels(SandboxLabels.forDeployment(config.deployment(), "network"))
                    .exec();
            return find().orElseThrow();
        });
        // Docker names the interface br-<first 12 characters of the id> unless the network sets a name itself.
        String bridge = Optional.ofNullable(network.getOptions()).map(options -> options.get(BRIDGE_NAME_OPTION))
                .filter(name -> !name.isBlank()).orElse("br-" + network.getId().substring(0, 12));
        if (network.getIpam() == null || network.getIpam().getConfig() == null) {
            return new Addresses(List.of(), List.of(), bridge);
        }
        List<Network.Ipam.Config> configs = network.getIpam().getConfig();
        return new Addresses(configs.stream().map(Network.Ipam.Config::getSubnet).toList(),
                configs.stream().map(Network.Ipam.Config::getGateway).filter(g -> g != null && !g.isEmpty()).toList(),
                bridge);
    }

    /** True while any container (this deployment's or not) is attached to the network. */
    public boolean hasContainers() {
        return find().map(n -> docker.inspectNetworkCmd().withNetworkId(n.getId()).exec())
                .map(n -> n.getContainers() != null && !n.getContainers().isEmpty()).orElse(false);
    }

    private Optional<Network> find() {
        return docker.listNetworksCmd().withNameFilter(config.network()).exec().stream()
                .filter(n -> config.network().equals(n.getName()))
                .findFirst();
    }
}
