import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Wharf's benchmarks, against the packaged control plane on this machine, over its public API.
 *
 * It starts a minimal OpenAI-compatible responder (instant replies: a tool call, then text), launches the control
 * plane pointed at it with its own database, deployment label and ports, and measures:
 * - environment create-to-exec-ready (POST /v1/environments, then the first exec answered);
 * - exec round trip (`true` in a warm environment);
 * - steady memory: control plane RSS when idle, one idle sandbox's cgroup;
 * - agent task submit-to-first-step: a streamed agent interaction, from POST to the first step after the input;
 * - agent task end-to-end overhead: a foreground task of one tool call and one answer, minus the time spent
 *   inside the model responder (think time), with a fresh sandbox and with a reused one;
 * - concurrent model interactions held: at each level, that many foreground model calls
 *   (POST /v1/interactions, model openai/bench-load) released at once against the same responder, which then
 *   holds every call for WHARF_BENCH_MODEL_DELAY_MS (2000) so they really overlap; outcomes by status, latency,
 *   and GET /q/health/ready sampled every 250 ms meanwhile.
 *
 * Usage: java bench/WharfBench.java REPO_ROOT [CREATES] [EXECS] [TASKS] [LEVELS]; prints Markdown.
 * LEVELS is a comma list (default WHARF_BENCH_LEVELS, else 10,50,200,500). WHARF_BENCH_ONLY=load runs only the
 * load measure, WHARF_BENCH_ONLY=latency only the others.
 *
 * WHARF_BENCH_ONLY=runtimes compares sandbox runtimes instead: for each of runc, crun and runsc the engine lists, a
 * control plane started with wharf.sandbox.runtime set to it, CREATES times create-to-first-exec and EXECS times
 * `true` through Wharf, then one idle sandbox's memory cgroup; and, in the same run and for the same runtime, the bare engine with the same image and the
 * same hardening flags: `docker run --rm ... true` (a container's whole life), `docker run -d` to the first
 * `docker exec true` answered, and `docker exec true` in a running one. Runtimes take turns, one at a time.
 *
 * WHARF_BENCH_ONLY=egress measures the egress proxy: a page server in this process (1 KiB pages) mapped into the
 * proxy as page.bench with wharf.egress.hosts, an environment that allowlists it, and EXECS plain-HTTP GETs from
 * Python inside the sandbox through the proxy, on one kept-alive proxy connection and on a new connection each;
 * the same GETs from the host straight to the page server are the baseline in the same run. Every proxied request
 * is decided afresh (policy asked of the control plane, name mapped, upstream connected), so the difference is the
 * proxy's per-request cost.
 */
public class WharfBench {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ENV = Pattern.compile("\"environment_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** Registered for the default tenant through WHARF_API_KEY, as a deployment that provisions its key does. */
    private static final String API_KEY = "wharf_benchkey" + Long.toHexString(System.nanoTime());
    private static final AtomicLong MODEL_NANOS = new AtomicLong();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The model id of the load measure; the responder holds calls for it (and only for it) for MODEL_DELAY. */
    private static final String SLOW_MODEL = "bench-load";
    private static final Duration MODEL_DELAY =
            Duration.ofMillis(Long.parseLong(System.getenv().getOrDefault("WHARF_BENCH_MODEL_DELAY_MS", "2000")));
    /** Each load request's client timeout: a call not answered within it counts as timed out. */
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration HEALTH_INTERVAL = Duration.ofMillis(250);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(10);
    /** After a level, how long to wait for the plane to drain (no call at the model, ready answering 200). */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    /** Held calls at most; the responder's thread pool (one sleeping thread per held call) is bounded by it. */
    private static final int MAX_HELD_CALLS = 2048;
    private static final AtomicInteger MODEL_IN_FLIGHT = new AtomicInteger();
    private static final AtomicInteger MODEL_PEAK = new AtomicInteger();

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int creates = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int execs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int tasks = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        List<Integer> levels = levels(args.length > 4 ? args[4]
                : System.getenv().getOrDefault("WHARF_BENCH_LEVELS", "10,50,200,500"));
        String only = System.getenv().getOrDefault("WHARF_BENCH_ONLY", "").trim();
        if (!only.isEmpty() && !Set.of("load", "latency", "runtimes", "egress").contains(only)) {
            throw new IllegalArgumentException("WHARF_BENCH_ONLY is load, latency, runtimes or egress, not " + only);
        }
        if (only.equals("egress")) {
            egress(root, execs);
            return;
        }

        if (only.equals("runtimes")) {
            runtimes(root, creates, execs);
            return;
        }
        ThreadPoolExecutor modelThreads = new ThreadPoolExecutor(0, MAX_HELD_CALLS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), daemonThreads("bench-model-"));
        HttpServer model = modelResponder(modelThreads);
        int port = freePort();
        Process app = launch(root, port, model.getAddress().getPort());
        String base = "http://127.0.0.1:" + port;
        try {
            awaitReady(base, app);
            if (!only.equals("load")) {
                run(base, app.pid(), creates, execs, tasks);
            }
            if (!only.equals("latency")) {
                if (!only.equals("load")) {
                    System.out.println();
                }
                load(base, levels);
            }
        } finally {
            stop(app);
            model.stop(0);
            modelThreads.shutdownNow();
        }
    }

    private static List<Integer> levels(String spec) {
        List<Integer> levels = new ArrayList<>();
        for (String level : spec.split(",")) {
            int n = Integer.parseInt(level.trim());
            if (n < 1 || n > MAX_HELD_CALLS / 2) {
                throw new IllegalArgumentException("a load level is 1.." + MAX_HELD_CALLS / 2 + ", not " + n);
            }
            levels.add(n);
        }
        return levels;
    }

    private static void run(String base, long pid, int creates, int execs, int tasks) throws Exception {
        String warm = create(base);
        exec(base, warm);
        delete(base, warm);

        List<Double> createToReady = new ArrayList<>();
        String idle = null;
        for (int i = 0; i < creates; i++) {
            long start = System.nanoTime();
            String id = create(base);
            exec(base, id);
            createToReady.add(ms(start));
            if (idle == null) {
                idle = id;
            } else {
                delete(base, id);
            }
        }
        List<Double> execRoundTrip = new ArrayList<>();
        for (int i = 0; i < execs; i++) {
            long start = System.nanoTime();
            exec(base, idle);
            execRoundTrip.add(ms(start));
        }

        List<Double> firstStep = new ArrayList<>();
        List<Double> overheadFresh = new ArrayList<>();
        List<Double> overheadReused = new ArrayList<>();
        String reuse = null;
        for (int i = 0; i < tasks; i++) {
            firstStep.add(submitToFirstStep(base));
            long model = MODEL_NANOS.get();
            long start = System.nanoTime();
            String done = post(base + "/v1/interactions", task(null));
            overheadFresh.add(ms(start) - (MODEL_NANOS.get() - model) / 1e6);
            Matcher env = ENV.matcher(done);
            if (env.find()) {
                if (reuse == null) {
                    reuse = env.group(1);
                } else {
                    delete(base, env.group(1));
                }
            }
            model = MODEL_NANOS.get();
            start = System.nanoTime();
            post(base + "/v1/interactions", task(reuse));
            overheadReused.add(ms(start) - (MODEL_NANOS.get() - model) / 1e6);
        }

        Thread.sleep(5_000);
        long controlPlaneRss = rssBytes(pid);
        long[] sandbox = sandboxMemoryBytes(idle);
        delete(base, idle);
        if (reuse != null) {
            delete(base, reuse);
        }

        System.out.printf(Locale.ROOT, "| measure | n | p50 | p95 | max |%n|---|---|---|---|---|%n");
        row("environment create-to-exec-ready (ms)", createToReady);
        row("exec round trip, `true` (ms)", execRoundTrip);
        row("agent task submit-to-first-step, new sandbox (ms)", firstStep);
        row("agent task end-to-end overhead, new sandbox (ms)", overheadFresh);
        row("agent task end-to-end overhead, reused sandbox (ms)", overheadReused);
        System.out.printf(Locale.ROOT, "%n| memory | MiB |%n|---|---|%n");
        System.out.printf(Locale.ROOT, "| control plane RSS, idle after the run | %.1f |%n", controlPlaneRss / 1048576.0);
        System.out.printf(Locale.ROOT, "| one idle sandbox, resident (cgroup rss) | %.1f |%n", sandbox[1] / 1048576.0);
        System.out.printf(Locale.ROOT, "| one idle sandbox, cgroup usage incl. page cache | %.1f |%n",
                sandbox[0] / 1048576.0);
    }

    /** How one load request ended. */
    private enum Outcome { OK, OK_NOT_COMPLETED, THROTTLED, THROTTLED_WITH_RETRY_AFTER, CLIENT_ERROR, SERVER_ERROR,
        TIMED_OUT, CONNECTION_ERROR }

    /** One request of a level: its outcome, and its latency if it was answered (any HTTP status). */
    private record Call(Outcome outcome, double latencyMs) {
    }

    /** GET /q/health/ready during a level: samples, failures (non-200, error or timeout), slowest answer. */
    private record Health(int samples, int failures, double maxMs) {
    }

    private static void load(String base, List<Integer> levels) throws Exception {
        // Warm-up: the same path with instant replies, so the first level does not measure class loading and JIT.
        for (int i = 0; i < 20; i++) {
            post(base + "/v1/interactions", modelCall("bench"));
        }
        System.out.printf(Locale.ROOT, "Concurrent model interactions held: each level's calls released at once; the "
                + "model holds every call %d ms; client timeout %d s; latency of answered requests (any status); "
                + "`GET /q/health/ready` sampled every %d ms; settle: time after the level until no call is at the "
                + "model and ready answers 200.%n%n", MODEL_DELAY.toMillis(), LOAD_TIMEOUT.toSeconds(),
                HEALTH_INTERVAL.toMillis());
        System.out.printf(Locale.ROOT, "| level (n) | answered | p50 (ms) | p99 (ms) | 200 | 200 not completed "
                + "| 429 (Retry-After) "
                + "| other 4xx | 5xx | timed out | connection error | peak calls at model | ready max (ms) "
                + "| ready failed | settle (s) |%n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|%n");
        for (int n : levels) {
            System.err.printf(Locale.ROOT, "==> load: %d concurrent model calls%n", n);
            MODEL_PEAK.set(MODEL_IN_FLIGHT.get());
            HealthSampler health = new HealthSampler(base);
            List<Call> calls = level(base, n, health);
            Health h = health.stop();
            int peak = MODEL_PEAK.get();
            long settleStart = System.nanoTime();
            boolean settled = settle(base);
            double settle = (System.nanoTime() - settleStart) / 1e9;

            List<Double> answered = calls.stream().filter(c -> c.latencyMs() >= 0).map(Call::latencyMs).sorted()
                    .collect(Collectors.toList());
            int[] count = new int[Outcome.values().length];
            calls.forEach(c -> count[c.outcome().ordinal()]++);
            System.out.printf(Locale.ROOT,
                    "| %d | %d | %s | %s | %d | %d | %d (%d) | %d | %d | %d | %d | %d | %.0f | %s | %s |%n",
                    n, answered.size(), percentileOrDash(answered, 50), percentileOrDash(answered, 99),
                    count[Outcome.OK.ordinal()], count[Outcome.OK_NOT_COMPLETED.ordinal()],
                    count[Outcome.THROTTLED.ordinal()] + count[Outcome.THROTTLED_WITH_RETRY_AFTER.ordinal()],
                    count[Outcome.THROTTLED_WITH_RETRY_AFTER.ordinal()], count[Outcome.CLIENT_ERROR.ordinal()],
                    count[Outcome.SERVER_ERROR.ordinal()], count[Outcome.TIMED_OUT.ordinal()],
                    count[Outcome.CONNECTION_ERROR.ordinal()], peak, h.maxMs(),
                    h.failures() == 0 ? "no (0/" + h.samples() + ")" : "yes (" + h.failures() + "/" + h.samples() + ")",
                    settled ? String.format(Locale.ROOT, "%.1f", settle)
                            : "not within " + SETTLE_TIMEOUT.toSeconds());
        }
    }

    private static String percentileOrDash(List<Double> sorted, int p) {
        return sorted.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f", percentile(sorted, p));
    }

    private static String modelCall(String model) {
        return "{\"model\":\"openai/" + model + "\",\"input\":\"Say hello.\"}";
    }

    /**
     * Releases {@code n} foreground model calls at once, each on its own thread and, over HTTP/1.1, its own
     * connection, so the client is never what queues them. Ends when every call has answered or timed out.
     */
    private static List<Call> level(String base, int n, HealthSampler health) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService callers = Executors.newFixedThreadPool(n, daemonThreads("bench-load-"));
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        Set<String> reported = ConcurrentHashMap.newKeySet();
        List<Future<Call>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(callers.submit(() -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/interactions"))
                        .timeout(LOAD_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .header("x-goog-api-key", API_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(modelCall(SLOW_MODEL)))
                        .build();
                ready.countDown();
                go.await();
                long start = System.nanoTime();
                try {
                    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                    double latency = ms(start);
                    int status = response.statusCode();
                    if (status != 200 && reported.add(String.valueOf(status))) {
                        System.err.printf("    first %d: %s%n", status, abbreviate(response.body()));
                    }
                    Outcome outcome;
                    if (status == 200) {
                        outcome = response.body().contains("\"status\":\"completed\"") ? Outcome.OK
                                : Outcome.OK_NOT_COMPLETED;
                        if (outcome == Outcome.OK_NOT_COMPLETED && reported.add("200")) {
                            System.err.printf("    first 200 not completed: %s%n", abbreviate(response.body()));
                        }
                    } else if (status == 429) {
                        outcome = response.headers().firstValue("Retry-After").isPresent()
                                ? Outcome.THROTTLED_WITH_RETRY_AFTER : Outcome.THROTTLED;
                    } else if (status >= 500) {
                        outcome = Outcome.SERVER_ERROR;
                    } else {
                        outcome = Outcome.CLIENT_ERROR;
                    }
                    return new Call(outcome, latency);
                } catch (HttpConnectTimeoutException e) {
                    return new Call(Outcome.CONNECTION_ERROR, -1);
                } catch (HttpTimeoutException e) {
                    return new Call(Outcome.TIMED_OUT, -1);
                } catch (IOException e) {
                    if (reported.add(e.getClass().getName())) {
                        System.err.printf("    first connection error: %s%n", e);
                    }
                    return new Call(Outcome.CONNECTION_ERROR, -1);
                }
            }));
        }
        callers.shutdown();
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the load's " + n + " callers did not start");
        }
        health.start();
        go.countDown();
        // Every call has its own timeout; this bound only guards against a response body that never ends.
        if (!callers.awaitTermination(LOAD_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS)) {
            callers.shutdownNow();
        }
        List<Call> calls = new ArrayList<>();
        for (Future<Call> future : futures) {
            try {
                calls.add(future.isDone() ? future.get() : new Call(Outcome.TIMED_OUT, -1));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                calls.add(new Call(Outcome.TIMED_OUT, -1));
            }
        }
        return calls;
    }

    /**
     * Sends GET /q/health/ready every HEALTH_INTERVAL from start to stop, each on its own (so a hanging check does
     * not thin out the samples), each with HEALTH_TIMEOUT; a non-200, an error or a timeout is a failure.
     */
    private static final class HealthSampler {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(HEALTH_TIMEOUT).build();
        private final HttpRequest request;
        private final ScheduledExecutorService clock =
                Executors.newSingleThreadScheduledExecutor(daemonThreads("bench-health-"));
        private final List<CompletableFuture<Double>> samples = Collections.synchronizedList(new ArrayList<>());

        HealthSampler(String base) {
            request = HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).timeout(HEALTH_TIMEOUT).GET()
                    .build();
        }

        /** Samples until stopped, and at most for the longest a level can take. */
        void start() {
            int bound = (int) (LOAD_TIMEOUT.plusSeconds(60).toMillis() / HEALTH_INTERVAL.toMillis());
            clock.scheduleAtFixedRate(() -> {
                if (samples.size() >= bound) {
                    clock.shutdown();
                    return;
                }
                long start = System.nanoTime();
                // A failed sample is recorded as a negative latency.
                samples.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                        .handle((response, failure) -> failure == null && response.statusCode() == 200
                                ? ms(start) : -ms(start)));
            }, 0, HEALTH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Stops sampling and waits (bounded by each sample's timeout) for the samples still out. */
        Health stop() throws InterruptedException {
            clock.shutdownNow();
            clock.awaitTermination(5, TimeUnit.SECONDS);
            List<CompletableFuture<Double>> taken;
            synchronized (samples) {
                taken = new ArrayList<>(samples);
            }
            int failures = 0;
            double max = 0;
            for (CompletableFuture<Double> sample : taken) {
                double latency;
                try {
                    latency = sample.get(HEALTH_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    latency = -HEALTH_TIMEOUT.toMillis();
                }
                failures += latency < 0 ? 1 : 0;
                max = Math.max(max, Math.abs(latency));
            }
            return new Health(taken.size(), failures, max);
        }
    }

    /** Waits, at most SETTLE_TIMEOUT, until no call is held at the model and readiness answers 200. */
    private static boolean settle(String base) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (MODEL_IN_FLIGHT.get() == 0) {
                try {
                    HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                            .timeout(HEALTH_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
                    if (ready.statusCode() == 200) {
                        return true;
                    }
                } catch (IOException e) {
                    // Not ready yet.
                }
            }
            Thread.sleep(250);
        }
        return false;
    }

    private static String abbreviate(String body) {
        String flat = body.replaceAll("\\s+", " ");
        return flat.length() <= 300 ? flat : flat.substring(0, 300) + "...";
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One tool call (`true` in bash) and one answer: the smallest complete agent task. */
    private static String task(String environment) {
        return "{\"agent\":\"default\",\"input\":\"run true\",\"agent_config\":{\"type\":\"dynamic\","
                + "\"model\":\"openai/bench\"}" + (environment == null ? "" : ",\"environment\":\"" + environment + "\"")
                + "}";
    }

    private static String streamed(String task) {
        return task.substring(0, task.length() - 1) + ",\"stream\":true}";
    }

    /** Streams a new agent task and stops reading at the first step after the input. */
    private static double submitToFirstStep(String base) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/interactions")).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("x-goog-api-key", API_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(streamed(task(null))))
                .build();
        HttpResponse<java.io.InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        double latency = -1;
        String interaction = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (interaction == null && line.contains("interaction.created")) {
                    Matcher id = ID.matcher(line);
                    interaction = id.find() ? id.group(1) : null;
                }
                if (line.startsWith("data:") && line.contains("\"step.start\"") && !line.contains("\"index\":0")) {
                    latency = ms(start);
                    break;
                }
            }
        }
        if (interaction != null) {
            awaitEnd(base, interaction);
            String done = get(base + "/v1/interactions/" + interaction);
            Matcher env = ENV.matcher(done);
            if (env.find()) {
                delete(base, env.group(1));
            }
        }
        return latency;
    }

    private static void awaitEnd(String base, String id) throws IOException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            String body = get(base + "/v1/interactions/" + id);
            if (!body.contains("\"status\":\"in_progress\"") && !body.contains("\"status\":\"queued\"")) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /**
     * OpenAI Chat Completions replies (non-streaming): to a request offering tools, a bash tool call first, then
     * text once a tool result is in the conversation; to one without tools, text. Instant, except that calls for
     * SLOW_MODEL are held for MODEL_DELAY first, each on its own thread from {@code threads}.
     */
    private static HttpServer modelResponder(ThreadPoolExecutor threads) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(threads);
        server.createContext("/v1/chat/completions", exchange -> {
            long start = System.nanoTime();
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (request.contains("\"model\":\"" + SLOW_MODEL + "\"")) {
                MODEL_PEAK.accumulateAndGet(MODEL_IN_FLIGHT.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(MODEL_DELAY.toMillis());
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                } finally {
                    MODEL_IN_FLIGHT.decrementAndGet();
                }
            }
            boolean answered = request.contains("\"role\":\"tool\"") || !request.contains("\"tools\"");
            String message = answered
                    ? "{\"role\":\"assistant\",\"content\":\"done\"}"
                    : "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_" + System.nanoTime()
                            + "\",\"type\":\"function\",\"function\":{\"name\":\"execute_code\",\"arguments\":"
                            + "\"{\\\"language\\\":\\\"bash\\\",\\\"code\\\":\\\"true\\\"}\"}}]}";
            String body = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"model\":\"bench\",\"choices\":"
                    + "[{\"index\":0,\"message\":" + message + ",\"finish_reason\":\"" + (answered ? "stop" : "tool_calls")
                    + "\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
            MODEL_NANOS.addAndGet(System.nanoTime() - start);
        });
        server.start();
        return server;
    }

    private static Process launch(Path root, int port, int modelPort, String... properties) throws IOException {
        int gateway = freePort();
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(List.of(properties));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.command().addAll(List.of(
                "-Dquarkus.http.port=" + port,
                // Its own label, so its reconciler never takes another run's sandboxes for orphans.
                "-Dwharf.sandbox.deployment=" + System.getenv().getOrDefault("WHARF_BENCH_DEPLOYMENT", "bench"),
                "-Dwharf.interactions.gateway-port=" + gateway,
                "-Dwharf.models.openai.base-url=http://127.0.0.1:" + modelPort + "/v1",
                "-jar", root.resolve("orchestrator/target/quarkus-app/quarkus-run.jar").toString()));
        builder.environment().put("WHARF_API_KEY", API_KEY);
        builder.environment().put("WHARF_DB_NAME", System.getenv().getOrDefault("WHARF_BENCH_DB_NAME", "wharf_bench"));
        builder.redirectErrorStream(true).redirectOutput(root.resolve("bench/control-plane.log").toFile());
        return builder.start();
    }

    /**
     * GETs in a loop, one latency in milliseconds per line: argv is the mode ({@code keepalive} or {@code fresh}),
     * the host and port to connect to, the request target and the count. Through a proxy the target is absolute.
     */
    private static final String GET_LOOP = String.join("\n",
            "import http.client, sys, time",
            "mode, host, port, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])",
            "c = None",
            "for i in range(n + 5):",
            "    t = time.perf_counter()",
            "    if c is None or mode == 'fresh':",
            "        c = http.client.HTTPConnection(host, port, timeout=10)",
            "    c.request('GET', target, headers={'Host': 'page.bench'})",
            "    r = c.getresponse(); body = r.read()",
            "    assert r.status == 200 and len(body) == 1024, (r.status, body[:200])",
            "    if mode == 'fresh': c.close()",
            "    if i >= 5: print('%.3f' % ((time.perf_counter() - t) * 1000))");

    private static void egress(Path root, int requests) throws Exception {
        // Without it the JDK's server leaves Nagle on, and a kept-alive client waits out delayed ACKs (~40 ms).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        byte[] page = "x".repeat(1024).getBytes(StandardCharsets.US_ASCII);
        pages.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        pages.setExecutor(Executors.newFixedThreadPool(4, daemonThreads("bench-pages-")));
        pages.start();
        int pagePort = pages.getAddress().getPort();
        int port = freePort();
        Process app = launch(root, port, freePort(), "-Dwharf.egress.port=" + freePort(),
                "-Dwharf.egress.hosts=page.bench=127.0.0.1:" + pagePort);
        String base = "http://127.0.0.1:" + port;
        try {
            awaitReady(base, app);
            Matcher m = ID.matcher(post(base + "/v1/environments",
                    "{\"network\":{\"allowlist\":[{\"domain\":\"page.bench\"}]}}"));
            if (!m.find()) {
                throw new IllegalStateException("no environment id");
            }
            String id = m.group(1);
            try {
                String proxy = "import os, urllib.parse; u = urllib.parse.urlsplit(os.environ['http_proxy']);"
                        + " print(u.hostname, u.port)";
                String[] hostPort = stdout(post(base + "/v1/environments/" + id + ":exec",
                        execBody(List.of("python3", "-c", proxy)))).strip().split(" ");
                System.out.printf(Locale.ROOT, "Egress proxy: %d plain-HTTP GETs of a 1 KiB page per row, one after"
                        + " another, from Python's http.client; proxied rows run inside a sandbox (through the proxy at"
                        + " %s:%s), the direct row on the host against the same page server.%n%n", requests,
                        hostPort[0], hostPort[1]);
                System.out.printf(Locale.ROOT, "| measure | n | p50 (ms) | p95 (ms) | max (ms) |%n"
                        + "|---|---|---|---|---|%n");
                for (String mode : List.of("keepalive", "fresh")) {
                    String out = stdout(post(base + "/v1/environments/" + id + ":exec", execBody(List.of("python3",
                            "-c", GET_LOOP, mode, hostPort[0], hostPort[1], "http://page.bench/page",
                            Integer.toString(requests)))));
                    row("sandbox through the proxy, " + (mode.equals("fresh") ? "new connection each"
                            : "one connection"), latencies(out));
                }
                for (String mode : List.of("keepalive", "fresh")) {
                    String out = command(root, "python3", "-c", GET_LOOP, mode, "127.0.0.1",
                            Integer.toString(pagePort), "/page", Integer.toString(requests));
                    row("host straight to the page server, " + (mode.equals("fresh") ? "new connection each"
                            : "one connection"), latencies(out));
                }
            } finally {
                delete(base, id);
            }
        } finally {
            stop(app);
            pages.stop(0);
        }
    }

    private static String execBody(List<String> argv) {
        return "{\"timeout_seconds\":120,\"command\":[" + argv.stream().map(WharfBench::jsonString)
                .collect(Collectors.joining(",")) + "]}";
    }

    private static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                default -> json.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return json.append('"').toString();
    }

    /** The stdout of an exec answer; fails on a non-zero exit with what the command said. */
    private static String stdout(String execAnswer) {
        Matcher exit = Pattern.compile("\"exit_code\"\\s*:\\s*(-?\\d+)").matcher(execAnswer);
        if (!exit.find() || !exit.group(1).equals("0")) {
            throw new IllegalStateException("exec failed: " + abbreviate(execAnswer));
        }
        Matcher out = Pattern.compile("\"stdout\"\\s*:\\s*\"((?:[^\"\\\\]++|\\\\.)*+)\"").matcher(execAnswer);
        if (!out.find()) {
            throw new IllegalStateException("no stdout in " + abbreviate(execAnswer));
        }
        return out.group(1).replace("\\n", "\n");
    }

    private static List<Double> latencies(String lines) {
        List<Double> samples = new ArrayList<>();
        for (String line : lines.split("\n")) {
            if (!line.isBlank()) {
                samples.add(Double.parseDouble(line.strip()));
            }
        }
        return samples;
    }

    /** The runtimes compared, in this order, when the engine lists them. */
    private static final List<String> RUNTIMES = List.of("runc", "crun", "runsc");

    private static void runtimes(Path root, int creates, int execs) throws Exception {
        String image = command(root, "bash", "sandbox-image/version.sh", "--tag").strip();
        Set<String> registered = Set.of(command(root, "docker", "info", "--format",
                "{{range $name, $_ := .Runtimes}}{{$name}} {{end}}").strip().split("\\s+"));
        Path workspace = Files.createTempDirectory("wharf-bench-ws-");
        System.out.printf(Locale.ROOT, "Sandbox runtimes: %d creates and %d execs each; image %s; hardening as"
                + " SandboxHardening sets it by default (1 GiB, 1 CPU, read-only root, tmpfs, no capabilities,"
                + " pids limit; under runsc the host pids limit 2048 and NPROC 512). The bare runs bind a host"
                + " directory at /workspace where Wharf binds an ext4 image.%n%n", creates, execs, image);
        System.out.printf(Locale.ROOT, "| runtime | measure | n | p50 (ms) | p90 (ms) | max (ms) |%n"
                + "|---|---|---|---|---|---|%n");
        for (String runtime : RUNTIMES) {
            if (!registered.contains(runtime)) {
                System.out.printf(Locale.ROOT, "| %s | not registered with the engine | | | | |%n", runtime);
                continue;
            }
            try {
                wharfOn(root, runtime, creates, execs);
            } catch (Exception e) {
                System.out.printf(Locale.ROOT, "| %s | Wharf: fails: %s | | | | |%n", runtime,
                        abbreviate(String.valueOf(e.getMessage())).replace('|', '/').replace('\n', ' '));
            }
            try {
                bareOn(root, runtime, image, workspace, creates, execs);
            } catch (Exception e) {
                System.out.printf(Locale.ROOT, "| %s | bare docker: fails: %s | | | | |%n", runtime,
                        abbreviate(String.valueOf(e.getMessage())).replace('|', '/').replace('\n', ' '));
            }
        }
    }

    private static void wharfOn(Path root, String runtime, int creates, int execs) throws Exception {
        int port = freePort();
        Process app = launch(root, port, freePort(), "-Dwharf.sandbox.runtime=" + runtime);
        String base = "http://127.0.0.1:" + port;
        try {
            awaitReady(base, app);
            String warm = create(base);
            exec(base, warm);
            delete(base, warm);
            List<Double> createToExec = new ArrayList<>();
            String kept = null;
            for (int i = 0; i < creates; i++) {
                long start = System.nanoTime();
                String id = create(base);
                exec(base, id);
                createToExec.add(ms(start));
                if (kept == null) {
                    kept = id;
                } else {
                    delete(base, id);
                }
            }
            List<Double> execTrue = new ArrayList<>();
            for (int i = 0; i < execs; i++) {
                long start = System.nanoTime();
                exec(base, kept);
                execTrue.add(ms(start));
            }
            Thread.sleep(5_000);
            long[] memory = sandboxMemoryBytes(kept);
            delete(base, kept);
            runtimeRow(runtime, "Wharf: create to first exec", createToExec);
            runtimeRow(runtime, "Wharf: exec `true`", execTrue);
            System.out.printf(Locale.ROOT, "| %s | Wharf: one idle sandbox, cgroup usage incl. page cache (MiB) | 1 |"
                    + " %.1f | | |%n", runtime, memory[0] / 1048576.0);
        } finally {
            stop(app);
        }
    }

    /** The engine alone, same image, same flags, the same runtime; containers labelled and always removed. */
    private static void bareOn(Path root, String runtime, String image, Path workspace, int creates, int execs)
            throws Exception {
        Samples runToExit = new Samples("bare `docker run --rm ... true`");
        Samples runToExec = new Samples("bare `docker run -d` to first `docker exec true`");
        Samples execTrue = new Samples("bare `docker exec true`");
        command(root, bareRun(runtime, image, workspace, "--rm", "--entrypoint", "true"));
        for (int i = 0; i < creates; i++) {
            runToExit.time(() -> command(root, bareRun(runtime, image, workspace, "--rm", "--entrypoint", "true")));
        }
        String kept = null;
        try {
            for (int i = 0; i < creates; i++) {
                long start = System.nanoTime();
                String id = command(root, bareRun(runtime, image, workspace, "-d")).strip();
                try {
                    runToExec.timeFrom(start, () -> command(root, "docker", "exec", id, "true"));
                } finally {
                    if (kept == null) {
                        kept = id;
                    } else {
                        command(root, "docker", "rm", "-f", id);
                    }
                }
            }
            String warm = kept;
            for (int i = 0; i < execs; i++) {
                execTrue.time(() -> command(root, "docker", "exec", warm, "true"));
            }
        } finally {
            if (kept != null) {
                command(root, "docker", "rm", "-f", kept);
            }
        }
        for (Samples samples : List.of(runToExit, runToExec, execTrue)) {
            samples.print(runtime);
        }
    }

    /** Timings of one bare measure; a failed call is counted and its first error shown, not timed. */
    private static final class Samples {
        private final String measure;
        private final List<Double> ms = new ArrayList<>();
        private int failures;
        private String firstError;

        Samples(String measure) {
            this.measure = measure;
        }

        interface Call {
            void run() throws Exception;
        }

        void time(Call call) {
            timeFrom(System.nanoTime(), call);
        }

        void timeFrom(long start, Call call) {
            try {
                call.run();
                ms.add(ms(start));
            } catch (Exception e) {
                failures++;
                if (firstError == null) {
                    firstError = abbreviate(String.valueOf(e.getMessage())).replace('|', '/');
                }
            }
        }

        void print(String runtime) {
            if (!ms.isEmpty()) {
                runtimeRow(runtime, measure, ms);
            }
            if (failures > 0) {
                System.out.printf(Locale.ROOT, "| %s | %s: %d of %d failed, first: %s | | | | |%n", runtime, measure,
                        failures, failures + ms.size(), firstError);
            }
        }
    }

    /** `docker run` with the flags SandboxHardening gives a sandbox under its defaults (wharf.sandbox.*). */
    private static String[] bareRun(String runtime, String image, Path workspace, String... extra) {
        boolean gvisor = runtime.equals("runsc") || runtime.startsWith("runsc-");
        List<String> argv = new ArrayList<>(List.of("docker", "run", "--pull", "never", "--runtime", runtime,
                "--label", "dev.wharf.managed=true", "--label", "dev.wharf.deployment=bench-bare",
                "--network", "wharf-sandboxes", "--hostname", "sandbox", "--user", "1000:1000", "-w", "/workspace",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "--read-only",
                "--tmpfs", "/tmp:rw,exec,nosuid,nodev,size=256m",
                "--tmpfs", "/home/wharf:rw,nosuid,nodev,size=64m,uid=1000,gid=1000",
                "--mount", "type=bind,source=" + workspace + ",target=/workspace",
                "--memory", "1g", "--memory-swap", "1g", "--cpus", "1.0", "--ipc", "private",
                "--pids-limit", gvisor ? "2048" : "512",
                "--log-driver", "local", "--log-opt", "max-size=10485760", "--log-opt", "max-file=3",
                "--restart", "no", "-e", "WHARF_SANDBOX_TOKEN=bench"));
        if (gvisor) {
            argv.addAll(List.of("--ulimit", "nproc=512:512"));
        }
        int entrypoint = List.of(extra).indexOf("--entrypoint");
        argv.addAll(List.of(extra).subList(0, entrypoint < 0 ? extra.length : entrypoint + 2));
        argv.add(image);
        return argv.toArray(String[]::new);
    }

    /** Runs a command to its end and returns its stdout; a non-zero exit throws with its stderr. */
    private static String command(Path root, String... argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).directory(root.toFile()).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", argv) + " did not finish");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", List.of(argv).subList(0, Math.min(3, argv.length)))
                    + " ... exited " + process.exitValue() + ": " + new String(err.join(), StandardCharsets.UTF_8).strip());
        }
        return out;
    }

    private static void runtimeRow(String runtime, String measure, List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f |%n", runtime, measure, sorted.size(),
                percentile(sorted, 50), percentile(sorted, 90), sorted.get(sorted.size() - 1));
    }

    /** SIGTERM, then SIGKILL after 30 s: a plane wedged by the load may not stop, and the benchmark must end. */
    private static void stop(Process app) throws InterruptedException {
        app.destroy();
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
            app.destroyForcibly();
            app.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void awaitReady(String base, Process app) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (!app.isAlive()) {
                throw new IllegalStateException("the control plane exited; see bench/control-plane.log");
            }
            try {
                HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Still starting.
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the control plane did not become ready; see bench/control-plane.log");
    }

    private static void row(String name, List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f |%n", name, sorted.size(),
                percentile(sorted, 50), percentile(sorted, 95), sorted.get(sorted.size() - 1));
    }

    private static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static String create(String base) throws IOException, InterruptedException {
        Matcher m = ID.matcher(post(base + "/v1/environments", "{}"));
        if (!m.find()) {
            throw new IllegalStateException("no environment id");
        }
        return m.group(1);
    }

    private static void exec(String base, String id) throws IOException, InterruptedException {
        String body = post(base + "/v1/environments/" + id + ":exec", "{\"command\":\"true\"}");
        if (!body.contains("\"exit_code\":0")) {
            throw new IllegalStateException("exec failed: " + body);
        }
    }

    private static void delete(String base, String id) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(base + "/v1/environments/" + id)).header("x-goog-api-key", API_KEY)
                .DELETE());
    }

    private static String post(String url, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .header("x-goog-api-key", API_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static String get(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).header("x-goog-api-key", API_KEY).GET());
    }

    private static String send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    /** The sandbox container's memory cgroup (v1 or v2): total usage and resident anonymous memory. */
    private static long[] sandboxMemoryBytes(String environmentId) throws IOException, InterruptedException {
        Process ps = new ProcessBuilder("docker", "ps", "-q", "--no-trunc", "--filter",
                "label=dev.wharf.environment=" + environmentId).start();
        String containerId = new String(ps.getInputStream().readAllBytes()).trim();
        ps.waitFor();
        Path v1 = Path.of("/sys/fs/cgroup/memory/docker", containerId);
        Path v2 = Path.of("/sys/fs/cgroup/system.slice", "docker-" + containerId + ".scope");
        if (Files.isDirectory(v1)) {
            return new long[] {Long.parseLong(Files.readString(v1.resolve("memory.usage_in_bytes")).trim()),
                    stat(v1.resolve("memory.stat"), "total_rss")};
        }
        if (Files.isDirectory(v2)) {
            return new long[] {Long.parseLong(Files.readString(v2.resolve("memory.current")).trim()),
                    stat(v2.resolve("memory.stat"), "anon")};
        }
        throw new IllegalStateException("no memory cgroup found for container " + containerId);
    }

    private static long stat(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key + " ")) {
                return Long.parseLong(line.substring(key.length() + 1).trim());
            }
        }
        return 0;
    }
}
