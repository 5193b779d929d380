package dev.wharf.sandbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How sandboxes are created and hardened. Every property has a default fit for one Docker host. */
@ConfigMapping(prefix = "wharf.sandbox")
public interface SandboxConfig {

    /** Image every sandbox runs. Defaults to the version built from this source tree (sandbox-image/version.sh). */
    String image();

    /** Names this Wharf in Docker labels, so deployments sharing an engine never reclaim each other's sandboxes. */
    @WithDefault("default")
    String deployment();

    /** Docker engine endpoint. */
    @WithDefault("unix:///var/run/docker.sock")
    String dockerHost();

    /** Connect timeout for calls to the Docker engine. */
    @WithDefault("5s")
    Duration dockerConnectTimeout();

    /** Response timeout for calls to the Docker engine (container create and start included). */
    @WithDefault("60s")
    Duration dockerResponseTimeout();

    /** The internal bridge network sandboxes join: no route out, no traffic between sandboxes. */
    @WithDefault("wharf-sandboxes")
    String network();

    /** Memory limit per sandbox (bytes, or with a k/m/g suffix); swap is not granted on top. */
    @WithDefault("1g")
    String memory();

    /** CPU limit per sandbox, in cores. */
    @WithDefault("1.0")
    double cpus();

    /**
     * The engine's OCI runtime for sandboxes, by the name the engine registered it under ({@code docker info}:
     * Runtimes). {@code runc}, the engine's own default, runs sandbox code on the host's kernel; {@code runsc}
     * (gVisor) puts a kernel in user space between them, at a cost in start time, speed and memory (see
     * docs/ARCHITECTURE.md, "Sandbox runtimes"). The control plane does not start when the engine lacks it.
     */
    @WithDefault("runc")
    String runtime();

    /**
     * Maximum number of processes and threads per sandbox: the container's pids cgroup under runc; under runsc
     * gVisor's own limit on the sandbox user's tasks (RLIMIT_NPROC, counted by each sandbox's own kernel).
     */
    @WithDefault("512")
    long pidsLimit();

    /**
     * Under runsc only: the pids cgroup on the host, which counts gVisor's own host threads and ptrace stubs (about
     * ten per process in the sandbox, never given back) rather than the sandbox's processes. It bounds the share of
     * the host's PID space (32768 on small hosts) one sandbox can take; a sandbox that reaches it is ended by
     * gVisor, not refused a fork. Headless Chromium needs about 500.
     */
    @WithDefault("2048")
    long runscHostPidsLimit();

    /** Size of the writable /tmp (a tmpfs: the root filesystem is read-only). */
    @WithDefault("256m")
    String tmpSize();

    /** Size of the writable home directory (a tmpfs). */
    @WithDefault("64m")
    String homeSize();

    /**
     * Size at which a sandbox's container log (its daemon's stdout and stderr, and whatever code in the sandbox
     * writes there) is rotated, Docker's {@code local} driver syntax (k/m/g). The log never grows past
     * {@code log-max-size} times {@code log-max-files} on the host's disk.
     */
    @WithDefault("10m")
    String logMaxSize();

    /** How many container log files (the live one and rotated, compressed ones) a sandbox keeps; older are dropped. */
    @WithDefault("3")
    int logMaxFiles();

    /**
     * Hard size of each environment's /workspace (bytes, or with a k/m/g suffix): an ext4 image of this size,
     * so writing past it fails with ENOSPC inside the sandbox. A tenant's max_workspace_bytes can only lower it.
     */
    @WithDefault("2g")
    String workspaceSize();

    /** Workspace bytes per inode: the workspace's file limit is its size divided by this (16k: 131072 for 2g). */
    @WithDefault("16384")
    long workspaceBytesPerInode();

    /** Host directory holding the workspace images and their mount points (created at start, root only). */
    @WithDefault("/var/lib/wharf/workspaces")
    String workspaceDir();

    /**
     * Host directory for the daemons' token files, each bound read-only into its sandbox (readable there by the
     * daemon's uid only). The default is on /run, a memory file system on most hosts: tokens never reach a disk.
     */
    @WithDefault("/run/wharf/tokens")
    String tokenDir();

    /** Port the in-sandbox daemon (agent-runtime) listens on. */
    @WithDefault("7070")
    int daemonPort();

    /** How long a new sandbox may take until its daemon answers. */
    @WithDefault("60s")
    Duration readyTimeout();

    /** Timeout for plain requests to the in-sandbox daemon (metadata, health). */
    @WithDefault("10s")
    Duration daemonRequestTimeout();

    /**
     * The host firewall for the sandbox network (docker.HostFirewall): auto is on wherever the iptables command
     * exists; on makes start fail without it (or without permission to use it); off leaves host ports reachable.
     */
    @WithDefault("auto")
    FirewallMode firewall();

    /**
     * Host ports sandboxes may reach at the network's gateway address (TCP): the model gateway and the egress proxy.
     * Every other packet is refused.
     */
    @WithDefault("${wharf.interactions.gateway-port:7071},${wharf.egress.port:7072}")
    List<Integer> firewallPorts();

    /** The iptables command; it must use the backend (nft or legacy) the Docker engine uses. */
    @WithDefault("iptables")
    String firewallCommand();

    /** Whether Wharf installs its host firewall. */
    enum FirewallMode {
        /** On where the iptables command exists, off (with a warning) where it does not. */
        AUTO,
        /** Required: the control plane does not start without it. */
        ON,
        /** Not installed: whatever else listens on the host is reachable from sandboxes at the gateway address. */
        OFF
    }

    /** Address the control plane uses to reach sandboxes; empty means the container's IP on the sandbox network. */
    Optional<String> addressOverride();
}
