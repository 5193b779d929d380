import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
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
 *   inside the model responder (think time), with a fresh sandbox and with a reused one.
 *
 * Usage: java bench/WharfBench.java REPO_ROOT [CREATES] [EXECS] [TASKS]; prints Markdown.
 */
public class WharfBench {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ENV = Pattern.compile("\"environment_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** Registered for the default tenant through WHARF_API_KEY, as a deployment that provisions its key does. */
    private static final String API_KEY = "wharf_benchkey" + Long.toHexString(System.nanoTime());
    private static final AtomicLong MODEL_NANOS = new AtomicLong();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int creates = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int execs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int tasks = args.length > 3 ? Integer.parseInt(args[3]) : 20;

        HttpServer model = modelResponder();
        int port = freePort();
        Process app = launch(root, port, model.getAddress().getPort());
        String base = "http://127.0.0.1:" + port;
        try {
            awaitReady(base, app);
            run(base, app.pid(), creates, execs, tasks);
        } finally {
            app.destroy();
            app.waitFor();
            model.stop(0);
        }
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

    /** Instant OpenAI-style replies: a bash tool call first, then text once a tool result is in the conversation. */
    private static HttpServer modelResponder() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            long start = System.nanoTime();
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean answered = request.contains("\"role\":\"tool\"");
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

    private static Process launch(Path root, int port, int modelPort) throws IOException {
        int gateway = freePort();
        ProcessBuilder builder = new ProcessBuilder("java",
                "-Dquarkus.http.port=" + port,
                "-Dwharf.sandbox.deployment=bench",
                "-Dwharf.interactions.gateway-port=" + gateway,
                "-Dwharf.models.openai.base-url=http://127.0.0.1:" + modelPort + "/v1",
                "-jar", root.resolve("orchestrator/target/quarkus-app/quarkus-run.jar").toString());
        builder.environment().put("WHARF_API_KEY", API_KEY);
        builder.environment().put("WHARF_DB_NAME", System.getenv().getOrDefault("WHARF_BENCH_DB_NAME", "wharf_bench"));
        builder.redirectErrorStream(true).redirectOutput(root.resolve("bench/control-plane.log").toFile());
        return builder.start();
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
