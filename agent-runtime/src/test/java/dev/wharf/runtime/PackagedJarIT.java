package dev.wharf.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar, started with the sandbox image's JVM flags, as the image will run it. */
class PackagedJarIT {

    /**
     * A daemon that has not answered by then has hung. How fast it starts is the benchmarks' business
     * (sandbox create-to-exec in docs/BENCHMARKS.md), never a timed assertion on a shared build machine.
     */
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path workspace;

    @Test
    void theShadedJarStartsAndServes() throws Exception {
        Path jar = Path.of(System.getProperty("agent-runtime.jar", "target/agent-runtime.jar"));
        assertTrue(Files.isRegularFile(jar), "no jar at " + jar.toAbsolutePath());
        String token = UUID.randomUUID().toString();

        long launched = System.nanoTime();
        RunningDaemon.Launch launch = RunningDaemon.Launch.ofJar(jar, Map.of(Daemon.TOKEN_VARIABLE, token),
                "serve", "--port", "0", "--workspace", workspace.toString());
        try (RunningDaemon daemon = launch.awaitListening(token, workspace)) {
            HttpResponse<String> health = awaitHealth(daemon.port());
            Duration startup = Duration.ofNanos(System.nanoTime() - launched);
            System.out.println("agent-runtime.jar answered /health " + startup.toMillis() + " ms after launch");

            assertEquals(200, health.statusCode());
            Map<String, Object> version = daemon.client().get("/health").ok().json();
            assertTrue(((String) version.get("version")).matches("\\d+\\.\\d+\\.\\d+.*"), version.toString());
            assertEquals("42\n", daemon.client().exec(Map.of("command", "echo $((6 * 7))")).ok().get("stdout"));
        }
    }

    private static HttpResponse<String> awaitHealth(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
        long deadline = System.nanoTime() + HEALTHY_WITHIN.toNanos();
        while (true) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }
}
