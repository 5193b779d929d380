package dev.wharf.sandbox.docker;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Ulimit;
import dev.wharf.sandbox.ByteSize;
import dev.wharf.sandbox.SandboxBindMount;
import dev.wharf.sandbox.SandboxConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one hardening profile every sandbox container gets. Nothing else builds a HostConfig, and a test reads
 * each of these settings back with {@code docker inspect}.
 */
public final class SandboxHardening {
    /**
     * The container starts as root with nothing but {@link #DAEMON_CAPABILITIES}, only for the image's entrypoint
     * (setpriv) to switch to {@link #DAEMON_UID} at once, keeping those capabilities; nothing runs as root after
     * that. The daemon in turn starts every command as {@link #COMMAND_UID}, with no capability at all.
     */
    public static final String USER = "0:0";
    /** The daemon's uid (and gid), user wharfd in the image. */
    public static final int DAEMON_UID = 1001;
    /** The uid (and gid) user code runs as, user wharf in the image; it owns the workspace and the home tmpfs. */
    public static final int COMMAND_UID = 1000;
    /**
     * What the daemon needs: start commands as another user (SETUID, SETGID), end them at their deadlines (KILL),
     * and manage whatever user code left in the workspace, whatever its mode, handing the files it creates to the
     * command user (DAC_OVERRIDE, CHOWN, FOWNER).
     */
    public static final List<Capability> DAEMON_CAPABILITIES = List.of(Capability.SETUID, Capability.SETGID,
            Capability.KILL, Capability.DAC_OVERRIDE, Capability.CHOWN, Capability.FOWNER);
    /** Where the daemon reads its token (see DaemonTokenFiles); the image's entrypoint names the same path. */
    public static final String TOKEN_FILE = "/run/wharf/token";
    public static final String WORKSPACE = "/workspace";
    public static final String HOME = "/home/wharf";
    /** The only DNS server a sandbox is given: its own loopback, where nothing answers. */
    public static final String NO_RESOLVER = "127.0.0.1";
    private static final long NANOS_PER_CPU = 1_000_000_000L;

    private SandboxHardening() {
    }

    /** Whether the runtime is gVisor: {@code runsc}, or a name starting {@code runsc-} (one per set of flags). */
    public static boolean isGvisor(String runtime) {
        return runtime.equals("runsc") || runtime.startsWith("runsc-");
    }

    public static HostConfig hostConfig(SandboxConfig config, String volumeName, Path tokenFile,
                                        List<SandboxBindMount> files) {
        List<Mount> mounts = new java.util.ArrayList<>(List.of(new Mount()
                .withType(MountType.VOLUME)
                .withSource(volumeName)
                .withTarget(WORKSPACE), new Mount()
                .withType(MountType.BIND)
                .withSource(tokenFile.toString())
                .withTarget(TOKEN_FILE)
                .withReadOnly(true)));
        for (SandboxBindMount file : files) {
            // Host files only ever read-only: the sandbox may not write to the host through a bind.
            mounts.add(new Mount().withType(MountType.BIND).withSource(file.source().toString())
                    .withTarget(file.target()).withReadOnly(true));
        }
        long memory = ByteSize.parse(config.memory());
        boolean gvisor = isGvisor(config.runtime());
        return HostConfig.newHostConfig()
                .withRuntime(config.runtime())
                .withCapDrop(Capability.ALL)
                .withCapAdd(DAEMON_CAPABILITIES.toArray(Capability[]::new))
                .withSecurityOpts(List.of("no-new-privileges:true"))
                .withPrivileged(false)
                .withReadonlyRootfs(true)
                // Writable scratch space lives in memory, bounded, and vanishes with the container.
                .withTmpFs(Map.of(
                        "/tmp", "rw,exec,nosuid,nodev,size=" + config.tmpSize(),
                        // Owned by the sandbox user: Chromium profiles, font caches and git config live here.
                        HOME, "rw,nosuid,nodev,size=" + config.homeSize() + ",uid=" + COMMAND_UID + ",gid="
                                + COMMAND_UID))
                // The workspace is a named volume so files outlive the container (expiry, restarts); the token
                // file and the egress trust files are read-only binds.
                .withMounts(mounts)
                .withMemory(memory)
                .withMemorySwap(memory)
                .withNanoCPUs(Math.round(config.cpus() * NANOS_PER_CPU))
                // Under gVisor the host's pids cgroup sees gVisor's own threads, not the sandbox's processes, and
                // reaching it ends the whole sandbox; the sandbox's own limit is RLIMIT_NPROC, which gVisor's kernel
                // counts per sandbox and answers with EAGAIN as the pids cgroup does under runc. Not under runc:
                // there the host kernel counts RLIMIT_NPROC across every container's uid 1000.
                .withPidsLimit(gvisor ? config.runscHostPidsLimit() : config.pidsLimit())
                .withUlimits(gvisor ? List.of(new Ulimit("nproc", config.pidsLimit(), config.pidsLimit())) : List.of())
                .withNetworkMode(config.network())
                // No resolver: names resolve in the egress proxy, never in the sandbox. Docker's embedded DNS would
                // otherwise forward the sandbox's lookups to the host's resolvers, a channel out (DNS tunnelling)
                // and a way to learn internal names; pointed at the sandbox's own loopback, where nothing listens,
                // every lookup fails at once.
                .withDns(List.of(NO_RESOLVER))
                .withIpcMode("private")
                // Docker's local driver: size-capped, rotating, compressed files that docker logs still reads (an
                // operator diagnosing a daemon that would not start needs its stderr). Not the engine's default
                // json-file, which has no cap unless the host's daemon.json sets one: code in a sandbox writing to
                // the container's stdout (/proc/1/fd/1) could otherwise fill the host's disk. Sizes go as bytes, so
                // Docker reads exactly what ByteSize read.
                .withLogConfig(new LogConfig(LogConfig.LoggingType.LOCAL, Map.of(
                        "max-size", Long.toString(ByteSize.parse(config.logMaxSize())),
                        "max-file", Integer.toString(config.logMaxFiles()))))
                .withRestartPolicy(RestartPolicy.noRestart());
    }
}
