package dev.wharf.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.RuntimeInfo;
import dev.wharf.sandbox.SandboxConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The OCI runtime sandboxes run under ({@code wharf.sandbox.runtime}) must be one the engine lists. Checked at start
 * and by readiness: otherwise the first sandbox would fail at create with the engine's "unknown or invalid runtime
 * name", which says nothing about how to fix it.
 */
@ApplicationScoped
public class SandboxRuntime {
    private final DockerClient docker;
    private final SandboxConfig config;

    public SandboxRuntime(DockerClient docker, SandboxConfig config) {
        this.docker = docker;
        this.config = config;
    }

    /** The configured runtime is not registered with the engine; the message says how to fix it. */
    public static class MissingRuntimeException extends RuntimeException {
        public MissingRuntimeException(String message) {
            super(message);
        }
    }

    public String name() {
        return config.runtime();
    }

    /** @throws MissingRuntimeException when the engine does not list the configured runtime */
    public void require() {
        Optional<String> problem = problem();
        if (problem.isPresent()) {
            throw new MissingRuntimeException(problem.get());
        }
    }

    /** Why sandboxes cannot start under the configured runtime; empty when the engine lists it. */
    public Optional<String> problem() {
        return problem(config.runtime(), registered());
    }

    /** The runtimes the engine lists ({@code docker info}: Runtimes). */
    public Set<String> registered() {
        Map<String, RuntimeInfo> runtimes = docker.infoCmd().exec().getRuntimes();
        return runtimes == null ? Set.of() : new TreeSet<>(runtimes.keySet());
    }

    static Optional<String> problem(String runtime, Set<String> registered) {
        if (registered.contains(runtime)) {
            return Optional.empty();
        }
        String how = SandboxHardening.isGvisor(runtime)
                ? "install gVisor (Debian: apt-get install runsc) and run ./wharf up, which registers it in"
                        + " /etc/docker/daemon.json \"runtimes\" and reloads dockerd (SIGHUP)"
                : "register it in /etc/docker/daemon.json \"runtimes\" and reload dockerd (SIGHUP; ./wharf up does"
                        + " this for runsc and crun when installed)";
        return Optional.of("wharf.sandbox.runtime is " + runtime + ", but the Docker engine has no runtime of that"
                + " name (it has " + String.join(", ", new TreeSet<>(registered)) + "): " + how
                + "; or set wharf.sandbox.runtime to one it has");
    }
}
