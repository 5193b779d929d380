package dev.wharf.environment;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import dev.wharf.sandbox.ByteSize;
import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Code in a sandbox writes to the container's stdout (PID 1's, which the sandbox user owns) as fast as it can. The
 * container log on the host must stay within {@code log-max-size} times {@code log-max-files}, the sandbox must keep
 * answering, and the daemon's own diagnostics must still be readable with {@code docker logs}.
 */
@QuarkusTest
class SandboxLogFloodTest {
    /** 200 MiB of random bytes, base64: about 270 MB of output that compression cannot shrink much. */
    private static final String FLOOD = "head -c 200M /dev/urandom | base64 -w 16000 > /proc/1/fd/1 && echo flooded";
    /** One log entry (at most 16 KiB) may land before a rotation is decided, plus file headers. */
    private static final long SLACK_BYTES = 1L << 20;
    private static final long SAMPLE_MILLIS = 50;

    @Inject
    DockerClient docker;

    @Inject
    SandboxConfig config;

    @Test
    void floodingPidOnesStdoutKeepsTheHostLogWithinItsCap() throws Exception {
        String id = Api.createEnvironment();
        try {
            String containerId = docker.listContainersCmd()
                    .withLabelFilter(Map.of("dev.wharf.environment", id)).exec().get(0).getId();
            Path logs = Path.of(docker.infoCmd().exec().getDockerRootDir(), "containers", containerId, "local-logs");
            assertTrue(Files.isDirectory(logs), "the local driver's files are at " + logs);
            assertTrue(tail(containerId).contains("listening on"), "the daemon's start-up line is in docker logs");

            long cap = ByteSize.parse(config.logMaxSize()) * config.logMaxFiles();
            AtomicLong largest = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> largest.accumulateAndGet(size(logs), Math::max),
                    0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
            try {
                Api.exec(id, Map.of("command", FLOOD, "timeout_seconds", 120)).statusCode(200)
                        .body("exit_code", equalTo(0)).body("stdout", equalTo("flooded\n"));
                // The engine may still be copying the pipe's last bytes: sample until the size holds still.
                long previous = -1;
                for (int i = 0; i < 50 && size(logs) != previous; i++) {
                    previous = size(logs);
                    Thread.sleep(200);
                }
            } finally {
                sampler.shutdownNow();
                sampler.awaitTermination(5, TimeUnit.SECONDS);
            }
            long settled = size(logs);
            largest.accumulateAndGet(settled, Math::max);

            List<String> files = names(logs);
            assertTrue(files.stream().anyMatch(name -> name.matches("container\\.log\\.\\d+(\\.gz)?")),
                    "the flood reached the container log and rotated it: " + files);
            assertTrue(files.size() <= config.logMaxFiles() + 1, "at most the configured files are kept: " + files);
            assertTrue(settled <= cap + SLACK_BYTES,
                    "270 MB flooded, the host kept " + settled + " bytes, cap " + cap + ": " + files);
            // While a rotated file is compressed, its plain copy and the growing .gz exist side by side: one
            // file's worth on top of the cap, for a moment, however much is written.
            long peakBound = cap + ByteSize.parse(config.logMaxSize()) + SLACK_BYTES;
            assertTrue(largest.get() <= peakBound,
                    "during the flood the host held up to " + largest.get() + " bytes, bound " + peakBound);

            Api.execOk(id, "echo alive").body("stdout", equalTo("alive\n"));
            assertTrue(Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getRunning()),
                    "the sandbox is still running");
            assertTrue(tail(containerId).length() > 0, "docker logs still reads the capped log");
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

    private static List<String> names(Path logs) throws IOException {
        try (Stream<Path> files = Files.list(logs)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
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
