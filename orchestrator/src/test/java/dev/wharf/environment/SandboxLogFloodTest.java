package dev.wharf.environment;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import dev.wharf.sandbox.ByteSize;
import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.docker.SandboxHardening;
import dev.wharf.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Code in a sandbox tries to flood the container's log (PID 1's or the daemon's stdout and stderr, which the engine
 * keeps on the host's disk): it must be refused, the host log must not grow, and the sandbox must keep answering.
 * The log driver's size cap (read back by SandboxHardeningTest) stays as a second line: the daemon's own output is
 * the one writer left, and {@code docker logs} must still read its diagnostics.
 */
@QuarkusTest
class SandboxLogFloodTest {
    /** 200 MiB of random bytes, base64: about 270 MB of output that compression cannot shrink much. */
    private static final String FLOOD = "head -c 200M /dev/urandom | base64 -w 16000 > /proc/1/fd/1 && echo flooded";
    /** One log entry (at most 16 KiB) may land before a rotation is decided, plus file headers. */
    private static final long SLACK_BYTES = 1L << 20;

    @Inject
    DockerClient docker;

    @Inject
    SandboxConfig config;

    @Test
    void userCodeCannotReachTheContainerLogAndTheHostLogStaysSmall() throws Exception {
        String id = Api.createEnvironment();
        try {
            String containerId = docker.listContainersCmd()
                    .withLabelFilter(Map.of("dev.wharf.environment", id)).exec().get(0).getId();
            Path logs = Path.of(docker.infoCmd().exec().getDockerRootDir(), "containers", containerId, "local-logs");
            assertTrue(Files.isDirectory(logs), "the local driver's files are at " + logs);
            assertTrue(tail(containerId).contains("listening on"), "the daemon's start-up line is in docker logs");
            long before = size(logs);

            // PID 1 (tini) and the daemon run as another uid and hold capabilities user code lacks: the kernel
            // refuses their descriptors in /proc, whichever path user code takes to them.
            String daemon = Api.execOk(id, "pgrep -o java").extract().path("stdout").toString().trim();
            for (String target : new String[] {"/proc/1/fd/1", "/proc/1/fd/2", "/proc/" + daemon + "/fd/1",
                    "/proc/" + daemon + "/fd/2"}) {
                Api.exec(id, Map.of("command", FLOOD.replace("/proc/1/fd/1", target), "timeout_seconds", 120))
                        .statusCode(200)
                        .body("exit_code", not(equalTo(0)))
                        .body("stdout", not(containsString("flooded")))
                        .body("stderr", containsString("Permission denied"));
            }

            long cap = ByteSize.parse(config.logMaxSize()) * config.logMaxFiles();
            long after = size(logs);
            assertTrue(after - before < SLACK_BYTES, "the host log grew by " + (after - before) + " bytes");
            assertTrue(after <= cap, "the host log is within its cap (" + cap + " bytes): " + after);
            Api.execOk(id, "echo alive").body("stdout", equalTo("alive\n"));
            assertTrue(tail(containerId).contains("listening on"), "docker logs still reads the log");
        } finally {
            Api.deleteEnvironment(id);
        }
    }

    /** The container log's size on the host's disk: the live file and the rotated ones. */
    private static long size(Path logs) {
        try (Stream<Path> files = Files.list(logs)) {
            return files.mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException rotatedAway) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of the container log, as {@code docker logs --tail} shows them. */
    private String tail(String containerId) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTail(20)
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame frame) {
                        text.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                    }
                }).awaitCompletion(10, TimeUnit.SECONDS);
        return text.toString();
    }
}
