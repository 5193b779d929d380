package dev.wharf.environment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.SandboxLabels;
import dev.wharf.support.Api;
import dev.wharf.support.TestClock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Docker reconciled against the database, and deadlines reached by moving the clock. */
@QuarkusTest
class EnvironmentReconcilerTest {
    @Inject
    DockerClient docker;
    @Inject
    EnvironmentReconciler reconciler;
    @Inject
    TestClock clock;
    @Inject
    EnvironmentConfig config;
    @Inject
    SandboxConfig sandboxConfig;

    void reconcile() throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcileOnce());
    }

    String containerOf(String environmentId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(SandboxLabels.ENVIRONMENT, environmentId)).exec().get(0).getId();
    }

    @Test
    void orphanContainersAndVolumesAreRemoved() throws Throwable {
        Map<String, String> containerLabels = SandboxLabels.forSandbox(sandboxConfig.deployment(), "env_orphan", "sandbox");
        String orphan = docker.createContainerCmd(sandboxConfig.image()).withLabels(containerLabels)
                .withEntrypoint("sleep", "300").exec().getId();
        docker.startContainerCmd(orphan).exec();
        docker.createVolumeCmd().withName("wharf-ws-env_orphan")
                .withLabels(SandboxLabels.forSandbox(sandboxConfig.deployment(), "env_orphan", "workspace")).exec();
        String foreign = docker.createContainerCmd(sandboxConfig.image())
                .withLabels(SandboxLabels.forSandbox("some-other-deployment", "env_orphan", "sandbox"))
                .withEntrypoint("sleep", "300").exec().getId();
        try {
            reconcile();

            assertThrows(NotFoundException.class, () -> docker.inspectContainerCmd(orphan).exec());
            assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd("wharf-ws-env_orphan").exec());
            docker.inspectContainerCmd(foreign).exec();
        } finally {
            docker.removeContainerCmd(foreign).withForce(true).exec();
        }
    }

    @Test
    void killedSandboxIsDiagnosedAndTheEnvironmentResumesWithItsFiles() throws Throwable {
        String id = Api.createEnvironment();
        Api.execOk(id, "echo survived > note.txt");
        String container = containerOf(id);

        docker.killContainerCmd(container).exec();
        reconcile();

        given().get("/v1/environments/" + id).then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("x_failure.reason", equalTo("killed"))
                .body("x_failure.exit_code", equalTo(137))
                .body("x_failure.message", notNullValue());
        assertThrows(NotFoundException.class, () -> docker.inspectContainerCmd(container).exec());
        docker.inspectVolumeCmd("wharf-ws-" + id).exec();

        Api.execOk(id, "cat note.txt").body("stdout", equalTo("survived\n"));
        given().get("/v1/environments/" + id).then().statusCode(200).body("status", equalTo("active"));
        Api.deleteEnvironment(id);
    }

    @Test
    void deadSandboxFoundDuringACallFailsTheEnvironmentAtOnce() {
        String id = Api.createEnvironment();
        docker.killContainerCmd(containerOf(id)).exec();

        Api.exec(id, Map.of("command", "true")).statusCode(503).body("error.status", equalTo("UNAVAILABLE"));
        given().get("/v1/environments/" + id).then().statusCode(200)
                .body("status", equalTo("failed")).body("x_failure.reason", equalTo("killed"));
        Api.deleteEnvironment(id);
    }

    @Test
    void idleEnvironmentExpiresKeepsItsFilesThenIsPurgedAfterRetention() throws Throwable {
        String id = Api.createEnvironment();
        Api.execOk(id, "echo kept > result.txt");
        String container = containerOf(id);

        clock.advance(config.idleTtl().plusMinutes(1));
        reconcile();

        given().get("/v1/environments/" + id).then().statusCode(200).body("status", equalTo("expired"));
        assertThrows(NotFoundException.class, () -> docker.inspectContainerCmd(container).exec());
        docker.inspectVolumeCmd("wharf-ws-" + id).exec();

        // Using it again resumes it on the same files.
        byte[] kept = given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/result.txt")
                .then().statusCode(200).extract().asByteArray();
        assertTrue(new String(kept).equals("kept\n"));
        given().get("/v1/environments/" + id).then().body("status", equalTo("active"));

        clock.advance(config.idleTtl().plusMinutes(1));
        reconcile();
        given().get("/v1/environments/" + id).then().body("status", equalTo("expired"));
        clock.advance(config.filesRetention().plus(Duration.ofMinutes(1)));
        reconcile();

        given().get("/v1/environments/" + id).then().statusCode(404);
        assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd("wharf-ws-" + id).exec());
        List<String> names = docker.listVolumesCmd().exec().getVolumes().stream().map(v -> v.getName()).toList();
        assertFalse(names.contains("wharf-ws-" + id));
    }
}
