package dev.wharf.environment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.sandbox.docker.WorkspaceImages;
import dev.wharf.support.Api;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestClock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The workspace's size and file limits, attacked from inside real sandboxes: the kernel refuses the write
 * (ENOSPC), the host's disk does not take the bytes, and the environment stays usable.
 */
@QuarkusTest
@TestProfile(WorkspaceQuotaTest.SmallWorkspace.class)
class WorkspaceQuotaTest {
    static final long LIMIT = 64L << 20;
    /** 64 MiB at the default 16 KiB per inode. */
    static final long INODES = LIMIT / 16384;

    public static class SmallWorkspace implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wharf.sandbox.workspace-size", "64m");
        }
    }

    @Inject
    DockerClient docker;
    @Inject
    WorkspaceImages images;
    @Inject
    EnvironmentReconciler reconciler;
    @Inject
    EnvironmentConfig config;
    @Inject
    TestClock clock;

    @Test
    void writingPastTheLimitFailsInsideTheSandboxAndTheHostKeepsItsDisk() throws Exception {
        String id = Api.createEnvironment();
        given().get("/v1/environments/" + id).then().statusCode(200)
                .body("x_workspace_limit_bytes", equalTo(Long.toString(LIMIT)));

        Api.exec(id, Map.of("command", "head -c 200M /dev/zero > /workspace/big", "timeout_seconds", 60))
                .statusCode(200).body("exit_code", not(equalTo(0)))
                .body("stderr", containsString("No space left on device"));
        Api.exec(id, Map.of("command", "dd if=/dev/zero of=/workspace/big2 bs=1M count=100", "timeout_seconds", 60))
                .statusCode(200).body("exit_code", not(equalTo(0)))
                .body("stderr", containsString("No space left on device"));

        // The image holds at most its size on the host, however much the sandbox tried to write.
        Path image = images.image("wharf-ws-" + id);
        assertEquals(LIMIT, Files.size(image));
        long allocated = allocatedBytes(image);
        assertTrue(allocated <= LIMIT + (1L << 20), "image allocates " + allocated + " bytes");

        // Still usable: delete the big files, then small writes and exec work again.
        Api.execOk(id, "rm -f /workspace/big /workspace/big2 && echo fine > /workspace/small && cat /workspace/small")
                .body("stdout", equalTo("fine\n"));
        Api.execOk(id, "df -B1 --output=size /workspace | tail -1")
                .body("stdout", org.hamcrest.Matchers.matchesPattern("\\s*\\d+\\n"));
        long size = Long.parseLong(Api.execOk(id, "df -B1 --output=size /workspace | tail -1")
                .extract().path("stdout").toString().trim());
        assertTrue(size <= LIMIT && size > LIMIT / 2, "the sandbox sees a " + size + " byte workspace");
        Api.deleteEnvironment(id);
    }

    @Test
    void creatingManyEmptyFilesStopsAtTheFileLimit() {
        String id = Api.createEnvironment();
        ValidatableResponse fill = Api.exec(id, Map.of("command",
                "mkdir /workspace/many && cd /workspace/many && seq 1 " + (INODES + 1000)
                        + " | xargs touch 2>/tmp/err; ls | wc -l; grep -c 'No space left on device' /tmp/err",
                "timeout_seconds", 120)).statusCode(200);
        String[] counts = fill.extract().path("stdout").toString().trim().split("\\s+");
        long created = Long.parseLong(counts[0]);
        long refused = Long.parseLong(counts[1]);
        assertTrue(created < INODES && created > INODES - 100, created + " files created of a " + INODES + " limit");
        assertTrue(refused >= 1000, refused + " creations refused with ENOSPC");

        Api.execOk(id, "rm -rf /workspace/many && touch /workspace/one && ls /workspace")
                .body("stdout", containsString("one"));
        Api.deleteEnvironment(id);
    }

    @Test
    void filesSurviveExpiryAndResumeAndTheLimitStillHolds() throws Throwable {
        String id = Api.createEnvironment();
        Api.execOk(id, "echo kept > /workspace/note.txt");
        Path mountPoint = images.dataDir("wharf-ws-" + id).getParent();
        assertTrue(mounted(mountPoint), "mounted while the sandbox runs");

        clock.advance(config.idleTtl().plusMinutes(1));
        VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcileOnce());
        given().get("/v1/environments/" + id).then().statusCode(200).body("status", equalTo("expired"));
        assertFalse(mounted(mountPoint), "unmounted once no sandbox uses it");
        assertTrue(Files.exists(images.image("wharf-ws-" + id)), "the image and its files stay");

        Api.execOk(id, "cat /workspace/note.txt").body("stdout", equalTo("kept\n"));
        Api.exec(id, Map.of("command", "head -c 100M /dev/zero > /workspace/big", "timeout_seconds", 60))
                .statusCode(200).body("stderr", containsString("No space left on device"));
        Api.deleteEnvironment(id);
    }

    @Test
    void deletingTheEnvironmentRemovesItsVolumeAndImage() throws Exception {
        String id = Api.createEnvironment();
        Api.execOk(id, "head -c 1M /dev/urandom > /workspace/data.bin");
        Path image = images.image("wharf-ws-" + id);
        Path mountPoint = images.dataDir("wharf-ws-" + id).getParent();
        assertTrue(Files.exists(image));

        Api.deleteEnvironment(id);

        assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd("wharf-ws-" + id).exec());
        assertFalse(Files.exists(image), "image deleted");
        assertFalse(mounted(mountPoint), "nothing mounted");
        assertFalse(Files.exists(mountPoint), "mount point deleted");
    }

    @Test
    void theReconcilerRemovesOrphanedImages() throws Throwable {
        String orphan = "wharf-ws-env_orphanimage";
        images.prepare(orphan, 16L << 20);
        Path mountPoint = images.dataDir(orphan).getParent();
        assertTrue(mounted(mountPoint));

        VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcileOnce());

        assertFalse(Files.exists(images.image(orphan)), "orphan image deleted");
        assertFalse(mounted(mountPoint), "orphan image unmounted");
    }

    @Test
    void aTenantLimitCapsTheWorkspace() {
        long tenantLimit = 32L << 20;
        Tenants.Created small = Tenants.create("small-workspaces", Map.of("max_workspace_bytes", tenantLimit));
        Tenants.admin().get("/admin/v1/tenants/" + small.id()).then().statusCode(200)
                .body("limits.max_workspace_bytes", equalTo((int) tenantLimit));
        String id = small.as().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments")
                .then().statusCode(200).body("x_workspace_limit_bytes", equalTo(Long.toString(tenantLimit)))
                .extract().path("id");
        small.as().contentType(ContentType.JSON)
                .body(Map.of("command", "head -c 48M /dev/zero > /workspace/big", "timeout_seconds", 60))
                .post("/v1/environments/" + id + ":exec").then().statusCode(200)
                .body("exit_code", not(equalTo(0))).body("stderr", containsString("No space left on device"));
        small.as().delete("/v1/environments/" + id).then().statusCode(200);

        // A tenant limit above the platform's does not raise it.
        Tenants.Created large = Tenants.create("large-workspaces", Map.of("max_workspace_bytes", 1L << 30));
        String other = large.as().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments")
                .then().statusCode(200).body("x_workspace_limit_bytes", equalTo(Long.toString(LIMIT)))
                .extract().path("id");
        large.as().delete("/v1/environments/" + other).then().statusCode(200);
    }

    @Test
    void badWorkspaceLimitsAreRefused() {
        for (Object bad : new Object[] {5, -1, "many", 1.5, "99999999999999999999"}) {
            Api.assertError(Tenants.admin().contentType(ContentType.JSON)
                    .body(Map.of("name", "bad", "limits", Map.of("max_workspace_bytes", bad)))
                    .post("/admin/v1/tenants").then(), 400, "INVALID_ARGUMENT");
        }
    }

    private static boolean mounted(Path path) throws IOException {
        String target = path.toAbsolutePath().normalize().toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8).stream()
                .map(line -> line.split(" "))
                .anyMatch(fields -> fields.length > 4 && fields[4].equals(target));
    }

    /** Bytes the host file system really spends on {@code file} (st_blocks), which a sparse file keeps low. */
    private static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        assertTrue(stat.waitFor(10, TimeUnit.SECONDS));
        String[] out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }
}
