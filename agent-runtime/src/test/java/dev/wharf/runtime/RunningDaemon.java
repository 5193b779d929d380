package dev.wharf.runtime;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real daemon, started as its own JVM the way the sandbox image starts it, so tests see its
 * real environment handling, command line and exit codes.
 */
public final class RunningDaemon implements AutoCloseable {

    public static final Duration STARTUP_LIMIT = Duration.ofSeconds(15);
    private static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final String token;
    private final Path workspace;
    private final StringBuffer stderr;

    private RunningDaemon(Process process, int port, String token, Path workspace, StringBuffer stderr) {
        this.process = process;
        this.port = port;
        this.token = token;
        this.workspace = workspace;
        this.stderr = stderr;
    }

    /** A daemon on a free port, serving {@code workspace}, with a fresh random token. */
    public static RunningDaemon start(Path workspace) {
        String token = "test-" + UUID.randomUUID();
        Launch launch = Launch.of(Map.of(Daemon.TOKEN_VARIABLE, token),
                "serve", "--port", "0", "--workspace", workspace.toString());
        return launch.awaitListening(token, workspace);
    }

    public ApiClient client() {
        return new ApiClient(port, token);
    }

    public String token() {
        return token;
    }

    public Path workspace() {
        return workspace;
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    public String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(SHUTDOWN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
        }
    }

    /** A daemon process just started, with its output being collected. */
    public static final class Launch {
        private final Process process;
        private final StringBuffer stderr = new StringBuffer();
        private final CompletableFuture<Integer> listeningPort = new CompletableFuture<>();
        private final Thread out;
        private final Thread err;

        private Launch(Process process) {
            this.process = process;
            out = new Thread(this::readStdout, "daemon-stdout");
            out.setDaemon(true);
            out.start();
            err = new Thread(this::readStderr, "daemon-stderr");
            err.setDaemon(true);
            err.start();
        }

        /**
         * Starts {@code Main} from the compiled classes in a fresh JVM with the daemon's production
         * flags and exactly the given token variable (none if absent from {@code environment}).
         */
        public static Launch of(Map<String, String> environment, String... args) {
            return start(List.of("-cp", classPath(), Main.class.getName()), environment, args);
        }

        /** Starts the packaged jar exactly as the sandbox image does. */
        public static Launch ofJar(Path jar, Map<String, String> environment, String... args) {
            return start(List.of("-jar", jar.toString()), environment, args);
        }

        private static Launch start(List<String> target, Map<String, String> environment, String... args) {
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:+UseSerialGC", "-Xmx64m",
                    "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
            command.addAll(target);
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().remove(Daemon.TOKEN_VARIABLE);
            builder.environment().putAll(environment);
            try {
                return new Launch(builder.start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Process process() {
            return process;
        }

        public String stderr() {
            return stderr.toString();
        }

        /** Waits for the process to end on its own; fails the test if it keeps running. */
        public int awaitExit() throws InterruptedException {
            if (!process.waitFor(STARTUP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("daemon did not exit; stderr: " + stderr);
            }
            // The process has ended, but its output may still be in the pipes: read it all before answering.
            out.join(STARTUP_LIMIT.toMillis());
            err.join(STARTUP_LIMIT.toMillis());
            return process.exitValue();
        }

        public RunningDaemon awaitListening(String token, Path workspace) {
            try {
                int port = listeningPort.get(STARTUP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                return new RunningDaemon(process, port, token, workspace, stderr);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                process.destroyForcibly();
                throw new AssertionError("daemon did not start listening; stderr: " + stderr, e);
            }
        }

        private void readStdout() {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("listening on ")) {
                        listeningPort.complete(Integer.parseInt(line.substring("listening on ".length()).trim()));
                    }
                }
            } catch (IOException e) {
                // The process is gone.
            } finally {
                listeningPort.completeExceptionally(new IllegalStateException("stdout closed"));
            }
        }

        private void readStderr() {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    stderr.append(line).append('\n');
                }
            } catch (IOException e) {
                // The process is gone.
            }
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The daemon's classes and its runtime dependencies, nothing from the test class path. */
    private static String classPath() {
        return String.join(java.io.File.pathSeparator,
                location(Main.class), location(JSON.class), location(com.fasterxml.jackson.core.JsonFactory.class));
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
