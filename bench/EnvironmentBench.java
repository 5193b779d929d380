import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures a running Wharf over its public API:
 * - environment create-to-exec-ready: POST /v1/environments, then the first exec answered;
 * - exec round trip: `true` in an existing environment;
 * - steady memory of the control plane (RSS of its process) and of one idle sandbox (its cgroup).
 *
 * Usage: java EnvironmentBench.java BASE_URL CONTROL_PLANE_PID [CREATES] [EXECS]
 * Prints a Markdown table; bench/run appends it to docs/BENCHMARKS.md.
 */
public class EnvironmentBench {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    public static void main(String[] args) throws Exception {
        String base = args[0];
        long pid = Long.parseLong(args[1]);
        int creates = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int execs = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        // Warm-up: the first create pays for JIT compilation in the control plane.
        String warm = create(http, base);
        exec(http, base, warm);
        delete(http, base, warm);

        List<Double> createToReady = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < creates; i++) {
            long start = System.nanoTime();
            String id = create(http, base);
            exec(http, base, id);
            createToReady.add((System.nanoTime() - start) / 1e6);
            ids.add(id);
            // Keep one idle sandbox for the memory reading; delete the rest as we go.
            if (i > 0) {
                delete(http, base, id);
            }
        }
        String idle = ids.get(0);

        List<Double> execRoundTrip = new ArrayList<>();
        for (int i = 0; i < execs; i++) {
            long start = System.nanoTime();
            exec(http, base, idle);
            execRoundTrip.add((System.nanoTime() - start) / 1e6);
        }

        Thread.sleep(5_000);
        long controlPlaneRss = rssBytes(pid);
        long[] sandboxMemory = sandboxMemoryBytes(idle);
        delete(http, base, idle);

        System.out.printf(Locale.ROOT, "| measure | n | p50 | p95 | max |%n|---|---|---|---|---|%n");
        row("environment create-to-exec-ready (ms)", createToReady);
        row("exec round trip, `true` (ms)", execRoundTrip);
        System.out.printf(Locale.ROOT, "%n| memory | MiB |%n|---|---|%n");
        System.out.printf(Locale.ROOT, "| control plane RSS, idle after the run | %.1f |%n", controlPlaneRss / 1048576.0);
        System.out.printf(Locale.ROOT, "| one idle sandbox, resident (cgroup rss/anon) | %.1f |%n",
                sandboxMemory[1] / 1048576.0);
        System.out.printf(Locale.ROOT, "| one idle sandbox, cgroup usage incl. page cache | %.1f |%n",
                sandboxMemory[0] / 1048576.0);
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

    private static String create(HttpClient http, String base) throws IOException, InterruptedException {
        String body = send(http, HttpRequest.newBuilder(URI.create(base + "/v1/environments"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        Matcher m = ID.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no id in " + body);
        }
        return m.group(1);
    }

    private static void exec(HttpClient http, String base, String id) throws IOException, InterruptedException {
        String body = send(http, HttpRequest.newBuilder(URI.create(base + "/v1/environments/" + id + ":exec"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\":\"true\"}")));
        if (!body.contains("\"exit_code\":0")) {
            throw new IllegalStateException("exec failed: " + body);
        }
    }

    private static void delete(HttpClient http, String base, String id) throws IOException, InterruptedException {
        send(http, HttpRequest.newBuilder(URI.create(base + "/v1/environments/" + id)).DELETE());
    }

    private static String send(HttpClient http, HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static long stat(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key + " ")) {
                return Long.parseLong(line.substring(key.length() + 1).trim());
            }
        }
        return 0;
    }

    private static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    /**
     * Reads the sandbox container's memory cgroup (v1 or v2), found through its label: total usage (page cache
     * included) and resident anonymous memory.
     */
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
}
