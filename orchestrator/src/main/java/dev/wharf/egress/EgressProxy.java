package dev.wharf.egress;

import dev.wharf.sandbox.EgressProxyVariables;
import dev.wharf.sandbox.SandboxBindMount;
import dev.wharf.sandbox.SandboxTrust;
import dev.wharf.sandbox.SandboxTrustFiles;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs the egress proxy (the egress-proxy module's jar) as a child process and keeps it running: it listens on the
 * sandbox network's gateway address, asks the control plane's internal egress API for each sandbox's policy and
 * reports each request back. A proxy that exits is started again after {@link EgressConfig#restartBackoff()},
 * doubling while it keeps dying at once; its certificate authority lives in {@link EgressConfig#stateDir()}, so a
 * restart keeps every sandbox's trust. While it is down, sandboxes' requests fail to connect: nothing leaves
 * without it.
 */
@ApplicationScoped
public class EgressProxy {
    private static final Logger LOG = Logger.getLogger(EgressProxy.class);
    static final String READY_LINE = "wharf-egress ready ";
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** A proxy that ran at least this long before exiting restarts after the base backoff again. */
    private static final Duration STABLE_RUN = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final EgressConfig config;
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "wharf-egress-supervisor");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Launch launch;
    private volatile Process process;
    private volatile boolean ready;
    private volatile boolean stopping;
    private volatile Duration backoff;
    private volatile SandboxTrust trust;
    /** Completed when the first launch is ready or has failed: what a new sandbox waits for. */
    private final CompletableFuture<Void> firstStart = new CompletableFuture<>();

    /**
     * What a sandbox container needs to use the proxy: the environment that points its clients at it and the trust
     * files (bound read-only) that make them accept the installation's CA and the operator's upstream CA.
     */
    public record SandboxEgress(Map<String, String> env, List<SandboxBindMount> mounts) {
    }

    /** What the proxy needs from the control plane: where to listen, and the internal API it calls. */
    public record Launch(String listenHost, String controlUrl, String controlToken) {
        @Override
        public String toString() {
            return "Launch[" + listenHost + ", " + controlUrl + "]";
        }
    }

    public EgressProxy(EgressConfig config, MeterRegistry registry) {
        this.config = config;
        this.backoff = config.restartBackoff();
        Gauge.builder("wharf_egress_proxy_up", this, proxy -> proxy.isReady() ? 1 : 0)
                .description("1 while the egress proxy runs and accepts sandboxes' connections")
                .register(registry);
    }

    /**
     * Starts the proxy and waits until it is ready (or the start timeout passes; it is retried in the background).
     * Blocking: call from a worker thread or at start.
     */
    public synchronized void start(Launch launch) {
        if (!config.enabled()) {
            LOG.info("egress proxy off (wharf.egress.enabled=false): sandboxes stay offline");
            return;
        }
        this.launch = launch;
        launchNow();
    }

    /** The proxy sandboxes use, {@code http://<gateway>:<port>}; empty when egress is off. */
    public Optional<String> url() {
        Launch current = launch;
        return current == null ? Optional.empty()
                : Optional.of("http://" + current.listenHost() + ":" + config.port());
    }

    /**
     * The proxy settings for a new sandbox; empty when egress is off or the sandbox network is unknown. The trust
     * files exist from the proxy's first ready start on (its CA is made then); a sandbox started before that gets
     * the variables alone, and HTTPS that the proxy intercepts fails its certificate check until it is recreated.
     */
    public Optional<SandboxEgress> sandboxEgress() {
        Optional<String> url = url();
        if (url.isEmpty()) {
            return Optional.empty();
        }
        awaitFirstStart();
        SandboxTrust current = trust;
        return Optional.of(new SandboxEgress(EgressProxyVariables.forProxy(URI.create(url.get())),
                current == null ? List.of() : current.mounts()));
    }

    /**
     * Blocks (bounded by the start timeout) while the proxy's first start is still under way, so that a sandbox
     * created in the first moments of a control plane's life gets its trust files too. Blocking.
     */
    private void awaitFirstStart() {
        try {
            firstStart.get(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.debugf("egress proxy not ready for a new sandbox: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isReady() {
        Process current = process;
        return ready && current != null && current.isAlive();
    }

    /** The process id of the running proxy, for operators and tests that must kill it. */
    public Optional<Long> pid() {
        Process current = process;
        return current == null || !current.isAlive() ? Optional.empty() : Optional.of(current.pid());
    }

    /** The proxy's certificate authority (public part), present once it has started at least once. */
    public Path caCertificate() {
        return Path.of(config.stateDir(), "ca.crt");
    }

    private synchronized void launchNow() {
        if (stopping || launch == null) {
            return;
        }
        Path jar;
        try {
            jar = jar();
        } catch (IOException e) {
            LOG.errorf("egress proxy not started: %s", e.getMessage());
            scheduleRestart();
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(javaCommand(), "-XX:+UseSerialGC", "-Xmx128m",
                "-XX:+DisableAttachMechanism", "-jar", jar.toString())
                // One stream, read line by line into this log: what the proxy says goes where the control plane's
                // own messages go (and never holds a secret: the proxy logs no header, body or query).
                .redirectErrorStream(true);
        builder.environment().putAll(environment(launch));
        long started = System.nanoTime();
        Process started0;
        try {
            started0 = builder.start();
        } catch (IOException e) {
            LOG.errorf("egress proxy not started: %s", e.getMessage());
            scheduleRestart();
            return;
        }
        process = started0;
        ready = false;
        CompletableFuture<Boolean> readyLine = new CompletableFuture<>();
        Thread reader = new Thread(() -> readOutput(started0, readyLine), "wharf-egress-output");
        reader.setDaemon(true);
        reader.start();
        started0.onExit().thenAccept(exited -> exited(exited, started));
        try {
            if (readyLine.get(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.infof("egress proxy for sandboxes listening on %s (pid %d)", url().orElseThrow(), started0.pid());
            }
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.errorf("egress proxy did not say it was ready within %s; restarting it", config.startTimeout());
            started0.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.errorf("egress proxy output unreadable: %s", e.getCause().getMessage());
        }
    }

    private void readOutput(Process child, CompletableFuture<Boolean> readyLine) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(READY_LINE) && process == child) {
                    writeTrust();
                    ready = true;
                    firstStart.complete(null);
                    backoff = config.restartBackoff();
                    readyLine.complete(true);
                } else {
                    LOG.infof("egress proxy: %s", line);
                }
            }
        } catch (IOException e) {
            LOG.debugf("egress proxy output closed: %s", e.getMessage());
        } finally {
            readyLine.complete(false);
        }
    }

    /** The sandboxes' trust files, from the CA the proxy has just confirmed; unchanged bytes are left alone. */
    private void writeTrust() {
        try {
            trust = SandboxTrustFiles.withJdkRoots().write(caCertificate(),
                    config.upstreamCa().filter(f -> !f.isBlank()).map(Path::of),
                    Path.of(config.stateDir(), "sandbox-trust").toAbsolutePath());
        } catch (RuntimeException e) {
            LOG.errorf("sandbox trust files not written (HTTPS the proxy intercepts will fail in sandboxes): %s",
                    e.getMessage());
        }
    }

    private void exited(Process child, long startedNanos) {
        if (process != child) {
            return;
        }
        ready = false;
        if (stopping) {
            return;
        }
        Duration ran = Duration.ofNanos(System.nanoTime() - startedNanos);
        if (ran.compareTo(STABLE_RUN) >= 0) {
            backoff = config.restartBackoff();
        }
        LOG.errorf("egress proxy exited with status %d after %ds; restarting it in %s", child.exitValue(),
                ran.toSeconds(), backoff);
        scheduleRestart();
    }

    private void scheduleRestart() {
        firstStart.complete(null);
        if (stopping) {
            return;
        }
        Duration wait = backoff;
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
        restarts.schedule(this::launchNow, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    Map<String, String> environment(Launch launch) {
        Map<String, String> env = new HashMap<>();
        env.put("WHARF_EGRESS_LISTEN", launch.listenHost() + ":" + config.port());
        env.put("WHARF_EGRESS_CONTROL_URL", launch.controlUrl());
        env.put("WHARF_EGRESS_CONTROL_TOKEN", launch.controlToken());
        env.put("WHARF_EGRESS_STATE_DIR", config.stateDir());
        config.hosts().filter(h -> !h.isBlank()).ifPresent(h -> env.put("WHARF_EGRESS_HOSTS", h));
        config.resolveFile().filter(f -> !f.isBlank()).ifPresent(f -> env.put("WHARF_EGRESS_RESOLVE_FILE", f));
        config.upstreamCa().filter(f -> !f.isBlank()).ifPresent(f -> env.put("WHARF_EGRESS_UPSTREAM_CA", f));
        env.put("WHARF_EGRESS_MAX_CONNECTIONS_PER_SANDBOX", Integer.toString(config.maxConnectionsPerSandbox()));
        env.put("WHARF_EGRESS_MAX_CONNECTIONS", Integer.toString(config.maxConnections()));
        env.put("WHARF_EGRESS_BANDWIDTH_BYTES_PER_SECOND", Long.toString(config.bandwidthBytesPerSecond()));
        return env;
    }

    private Path jar() throws IOException {
        if (config.proxyJar().filter(j -> !j.isBlank()).isPresent()) {
            Path configured = Path.of(config.proxyJar().get());
            if (!Files.isReadable(configured)) {
                throw new IOException("wharf.egress.proxy-jar " + configured + " is not readable");
            }
            return configured;
        }
        Path here = Path.of(System.getProperty("user.dir"));
        for (Path candidate : List.of(here.resolve("egress-proxy/target/wharf-egress-proxy.jar"),
                here.resolveSibling("egress-proxy").resolve("target/wharf-egress-proxy.jar"))) {
            if (Files.isReadable(candidate)) {
                return candidate;
            }
        }
        throw new IOException("no egress proxy jar under " + here + ": build it (./mvnw -pl egress-proxy package) or"
                + " set wharf.egress.proxy-jar");
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        restarts.shutdownNow();
        Process current = process;
        if (current == null) {
            return;
        }
        current.destroy();
        try {
            if (!current.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                current.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            current.destroyForcibly();
        }
    }
}
