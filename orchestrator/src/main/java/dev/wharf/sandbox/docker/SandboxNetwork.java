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

    private final DockerClient docker;
    private final SandboxConfig config;

    public SandboxNetwork(DockerClient docker, SandboxConfig config) {
        this.docker = docker;
        this.config = config;
    }

    /** The network's address ranges (CIDR) and the host's address on it (the gateway sandboxes can reach). */
    public record Addresses(List<String> subnets, List<String> gateways) {
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
        if (network.getIpam() == null || network.getIpam().getConfig() == null) {
            return new Addresses(List.of(), List.of());
        }
        List<Network.Ipam.Config> configs = network.getIpam().getConfig();
        return new Addresses(configs.stream().map(Network.Ipam.Config::getSubnet).toList(),
                configs.stream().map(Network.Ipam.Config::getGateway).filter(g -> g != null && !g.isEmpty()).toList());
    }

    private Optional<Network> find() {
        return docker.listNetworksCmd().withNameFilter(config.network()).exec().stream()
                .filter(n -> config.network().equals(n.getName()))
                .findFirst();
    }
}
