package dev.wharf.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.platform.BlockingCalls;
import dev.wharf.sandbox.docker.SandboxRuntime;
import io.smallrye.health.api.AsyncHealthCheck;
import java.util.Optional;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when the Docker engine answers, lists the configured sandbox runtime (an engine restarted without it
 * since the start) and has the sandbox image this build expects.
 */
@Readiness
@ApplicationScoped
public class DockerReadinessCheck implements AsyncHealthCheck {
    private final DockerClient docker;
    private final SandboxConfig config;
    private final BlockingCalls blocking;
    private final SandboxRuntime runtime;

    public DockerReadinessCheck(DockerClient docker, SandboxConfig config, BlockingCalls blocking,
                                SandboxRuntime runtime) {
        this.docker = docker;
        this.config = config;
        this.blocking = blocking;
        this.runtime = runtime;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return blocking.run(this::check);
    }

    private HealthCheckResponse check() {
        var response = HealthCheckResponse.named("docker").withData("image", config.image());
        Optional<String> missingRuntime;
        try {
            response.withData("engine", docker.versionCmd().exec().getVersion());
            missingRuntime = runtime.problem();
        } catch (RuntimeException e) {
            return response.withData("error", "Docker engine unreachable: " + e.getMessage()).down().build();
        }
        if (missingRuntime.isPresent()) {
            return response.withData("error", missingRuntime.get()).down().build();
        }
        response.withData("runtime", runtime.name());
        try {
            docker.inspectImageCmd(config.image()).exec();
        } catch (NotFoundException e) {
            return response.withData("error", "sandbox image missing or stale: run ./wharf image").down().build();
        }
        return response.up().build();
    }
}
