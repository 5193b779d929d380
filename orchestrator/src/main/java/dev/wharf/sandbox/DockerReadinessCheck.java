package dev.wharf.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.platform.BlockingCalls;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when the Docker engine answers and the sandbox image this build expects is present. */
@Readiness
@ApplicationScoped
public class DockerReadinessCheck implements AsyncHealthCheck {
    private final DockerClient docker;
    private final SandboxConfig config;
    private final BlockingCalls blocking;

    public DockerReadinessCheck(DockerClient docker, SandboxConfig config, BlockingCalls blocking) {
        this.docker = docker;
        this.config = config;
        this.blocking = blocking;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return blocking.run(this::check);
    }

    private HealthCheckResponse check() {
        var response = HealthCheckResponse.named("docker").withData("image", config.image());
        try {
            response.withData("engine", docker.versionCmd().exec().getVersion());
        } catch (RuntimeException e) {
            return response.withData("error", "Docker engine unreachable: " + e.getMessage()).down().build();
        }
        try {
            docker.inspectImageCmd(config.image()).exec();
        } catch (NotFoundException e) {
            return response.withData("error", "sandbox image missing or stale: run ./wharf image").down().build();
        }
        return response.up().build();
    }
}
