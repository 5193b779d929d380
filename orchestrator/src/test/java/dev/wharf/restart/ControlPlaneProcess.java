package dev.wharf.restart;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged control plane ({@code target/quarkus-app/quarkus-run.jar}) as a child process of the test JVM:
 * started with a fixed configuration, so a restart comes back on the same HTTP port, database and gateway port,
 * and killed with SIGKILL to play a crash. Everything it prints is appended to one log file for diagnosis.
 */
final class ControlPlaneProcess {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Path jar;
    private final Path logFile;
    private final Map<String, String> environment;
    private final List<String> systemProperties;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;

    ControlPlaneProcess(Path jar, Path logFile, int httpPort, Map<String, String> environment,
                        List<String> systemProperties) {
        this.jar = jar;
        this.logFile = logFile;
        this.httpPort = httpPort;
        this.environment = environment;
        this.systemProperties = systemProperties;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the control plane and waits until {@code /q/health/ready} answers 200; returns how long it took. */
    Duration start() throws IOException, InterruptedException {
        if (isAlive()) {
            throw new IllegalStateException("the control plane is already running (pid " + process.pid() + ")");
        }
        starts++;
        Files.createDirectories(logFile.getParent());
        Files.writeString(logFile, "\n===== start #" + starts + " at " + LocalDateTime.now() + " =====\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(systemProperties);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(jar.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // The child must run the prod profile with exactly the settings given here, whatever the caller's shell holds.
        builder.environment().remove("QUARKUS_PROFILE");
        builder.environment().putAll(environment);
        long began = System.nanoTime();
        process = builder.start();
        awaitReady(began);
        return Duration.ofNanos(System.nanoTime() - began);
    }

    private void awaitReady(long began) throws IOException, InterruptedException {
        long deadline = began + READY_TIMEOUT.toNanos();
        String last = "no answer yet";
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the control plane exited with code " + process.exitValue()
                        + " before it was ready; its output:\n" + tail());
            }
            try {
                HttpResponse<String> answer = http.send(ready, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return;
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (IOException notListeningYet) {
                last = notListeningYet.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the control plane was not ready within " + READY_TIMEOUT.toSeconds()
                + " s; last readiness answer: " + last + "\nits output:\n" + tail());
    }

    /** SIGKILL: no shutdown hook, no graceful close; exactly what a crash or an OOM kill does. */
    void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the control plane (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** A graceful stop (SIGTERM), then SIGKILL if it lingers. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** The last lines the control plane printed, for assertion messages. */
    String tail() {
        try {
            List<String> lines = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(could not read " + logFile + ": " + e + ")";
        }
    }

    Path logFile() {
        return logFile;
    }
}
