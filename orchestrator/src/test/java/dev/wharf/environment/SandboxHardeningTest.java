package dev.wharf.environment;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import dev.wharf.sandbox.ByteSize;
import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.docker.DaemonTokenFiles;
import dev.wharf.sandbox.docker.SandboxHardening;
import dev.wharf.sandbox.docker.WorkspaceImages;
import dev.wharf.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The hardening profile, read back from the engine with inspect, and felt from inside the sandbox. */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxHardeningTest {
    @TestHTTPResource
    java.net.URL application;

    @Inject
    DockerClient docker;
    @Inject
    WorkspaceImages images;
    @Inject
    DaemonTokenFiles tokens;
    @Inject
    SandboxConfig sandboxConfig;

    @Inject
    SandboxConfig config;

    String id;
    InspectContainerResponse container;

    @BeforeAll
    void createEnvironment() {
        Api.bindToRunningApp(application);
        id = Api.createEnvironment();
        String containerId = docker.listContainersCmd()
                .withLabelFilter(Map.of("dev.wharf.environment", id)).exec().get(0).getId();
        container = docker.inspectContainerCmd(containerId).exec();
    }

    @AfterAll
    void deleteEnvironment() {
        Api.bindToRunningApp(application);
        RestAssured.given().delete("/v1/environments/" + id);
    }

    @Test
    void inspectShowsEveryHardeningSetting() {
        HostConfig host = container.getHostConfig();
        assertTrue(Arrays.asList(host.getCapDrop()).contains(Capability.ALL), "all capabilities dropped");
        // Only what the daemon needs; the entrypoint drops root at once and commands get none of them.
        assertEquals(java.util.Set.copyOf(SandboxHardening.DAEMON_CAPABILITIES), java.util.Set.of(host.getCapAdd()));
        assertTrue(host.getSecurityOpts().stream().anyMatch(o -> o.startsWith("no-new-privileges")));
        assertTrue(host.getReadonlyRootfs(), "read-only root filesystem");
        assertFalse(Boolean.TRUE.equals(host.getPrivileged()));
        assertEquals("0:0", container.getConfig().getUser(), "root only until the entrypoint's setpriv");
        assertTrue(container.getConfig().getEnv() == null || Arrays.stream(container.getConfig().getEnv())
                .noneMatch(variable -> variable.startsWith("WHARF_SANDBOX_TOKEN")), "no token in the environment");
        assertEquals(512L * 1024 * 1024, host.getMemory());
        assertEquals(host.getMemory(), host.getMemorySwap(), "no swap on top of the memory limit");
        assertEquals(1_000_000_000L, host.getNanoCPUs());
        assertEquals(512L, host.getPidsLimit());
        // The engine's default runtime, named: the host's kernel, so the pids cgroup counts the sandbox's processes
        // and no RLIMIT_NPROC is set (the host kernel would count it across every container's uid 1000).
        assertEquals("runc", host.getRuntime());
        assertTrue(host.getUlimits() == null || host.getUlimits().length == 0, "no ulimits under runc");
        assertTrue(host.getRestartPolicy() == null || host.getRestartPolicy().getName() == null
                || host.getRestartPolicy().getName().isEmpty() || "no".equals(host.getRestartPolicy().getName()));
        assertEquals(config.network(), host.getNetworkMode());
        assertEquals(List.of(SandboxHardening.NO_RESOLVER), Arrays.asList(host.getDns()),
                "no resolver: names resolve in the egress proxy only");
        // The container log is capped on the host's disk: 10 MiB per file, three files (wharf.sandbox.log-*).
        assertEquals(LogConfig.LoggingType.LOCAL, host.getLogConfig().getType(), "capped local log driver");
        assertEquals(Map.of("max-size", "10485760", "max-file", "3"), host.getLogConfig().getConfig());
        assertTrue(docker.inspectNetworkCmd().withNetworkId(config.network()).exec().getInternal(),
                "the sandbox network has no route out");
    }

    @Test
    void onlyTheWorkspaceTheTokenFileAndTheTrustFilesAreMountedNoOtherHostPathsNoDockerSocket() {
        assertTrue(container.getHostConfig().getBinds() == null || container.getHostConfig().getBinds().length == 0);
        List<InspectContainerResponse.Mount> mounts = container.getMounts();
        assertEquals(6, mounts.size(), "the workspace, the token file and four trust files: " + mounts);
        java.util.Set<String> trust = java.util.Set.of(dev.wharf.sandbox.SandboxTrustFiles.BUNDLE_PATH,
                dev.wharf.sandbox.SandboxTrustFiles.JAVA_TRUST_STORE_PATH,
                dev.wharf.sandbox.SandboxTrustFiles.EGRESS_CA_PATH, dev.wharf.sandbox.SandboxTrustFiles.EXTRA_CA_PATH);
        for (InspectContainerResponse.Mount file : mounts) {
            if (trust.contains(file.getDestination().getPath())) {
                assertFalse(file.getRW(), "trust files are read-only: " + file.getDestination());
                assertTrue(file.getSource().endsWith("/sandbox-trust/" + java.nio.file.Path.of(file.getSource())
                        .getFileName()), "from the trust directory: " + file.getSource());
            }
        }
        assertEquals(trust, mounts.stream().map(m -> m.getDestination().getPath()).filter(trust::contains)
                .collect(java.util.stream.Collectors.toSet()));
        InspectContainerResponse.Mount workspace = mounts.stream()
                .filter(m -> "/workspace".equals(m.getDestination().getPath())).findFirst().orElseThrow();
        assertEquals("wharf-ws-" + id, workspace.getName());
        InspectContainerResponse.Mount token = mounts.stream()
                .filter(m -> SandboxHardening.TOKEN_FILE.equals(m.getDestination().getPath())).findFirst().orElseThrow();
        assertFalse(token.getRW(), "the token file is read-only");
        assertEquals(tokens.file(id).toString(), token.getSource());
        assertTrue(container.getHostConfig().getDevices() == null
                || container.getHostConfig().getDevices().length == 0, "no host devices");
    }

    @Test
    void theWorkspaceIsASizeLimitedFileSystemOfItsOwn() {
        // The volume binds the directory inside this environment's ext4 image, mounted on the host.
        InspectVolumeResponse volume = docker.inspectVolumeCmd("wharf-ws-" + id).exec();
        assertEquals("local", volume.getDriver());
        assertEquals(Map.of("type", "none", "o", "bind", "device", images.dataDir("wharf-ws-" + id).toString()),
                volume.getOptions());
        assertEquals(ByteSize.parse(sandboxConfig.workspaceSize()),
                images.image("wharf-ws-" + id).toFile().length(), "the image has the configured size");
        // From inside: /workspace is its own ext4 file system (not the host's disk), no bigger than the limit.
        Api.execOk(id, "stat -f -c %T /workspace").body("stdout", equalTo("ext2/ext3\n"));
        long size = Long.parseLong(Api.execOk(id, "df -B1 --output=size /workspace | tail -1")
                .extract().path("stdout").toString().trim());
        assertTrue(size <= ByteSize.parse(sandboxConfig.workspaceSize()), "workspace of " + size + " bytes");
        Api.execOk(id, "grep ' /workspace ' /proc/self/mountinfo")
                .body("stdout", org.hamcrest.Matchers.containsString("nosuid,nodev"));
    }

    @Test
    void insideTheSandboxTheLimitsHold() {
        Api.execOk(id, "id -u").body("stdout", equalTo("1000\n"));
        Api.exec(id, Map.of("command", "touch /etc/owned")).statusCode(200).body("exit_code", not(equalTo(0)));
        Api.exec(id, Map.of("command", "test -S /var/run/docker.sock")).statusCode(200).body("exit_code", equalTo(1));
        Api.execOk(id, "grep CapEff /proc/self/status").body("stdout", equalTo("CapEff:\t0000000000000000\n"));
        // No way out is the network's "internal" flag, read back above; nothing here sends traffic anywhere else
        // to show it (HostFirewallTest attacks the host's own ports from inside).
        Api.execOk(id, "touch /workspace/ok /tmp/ok");
    }
}
