package dev.wharf.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outside world for egress tests: one plain HTTP and one HTTPS server on loopback (its certificate signed by a
 * test CA the proxy and the sandboxes are told to trust), reached from sandboxes only through the egress proxy by
 * the names in {@link #HTTP_NAMES} and {@link #HTTPS_NAMES} (wharf.egress.hosts maps them here). Every request is
 * recorded with its headers, query and body, so a test can see exactly what left the proxy.
 * <p>
 * Paths: {@code /page/<name>} serves an HTML page set with {@link #page}; {@code /token} is an OAuth2 token endpoint
 * (refresh_token grant) minting {@code access-<n>}, and {@code /rotating-token} one that also rotates refresh tokens
 * (accepting only the newest); {@code /protected} answers 401 unless it carries the newest
 * access token; {@code /bytes?n=} streams n bytes; anything else answers {@code ok}.
 */
public final class EgressUpstreams {
    public static final List<String> HTTP_NAMES = List.of("shop-a.test", "plain.test", "files.test", "wild.test",
            "a.wild.test", "deep.a.wild.test", "other.test");
    public static final List<String> HTTPS_NAMES = List.of("shop-b.test", "api.test", "auth.test", "secure.test",
            "elsewhere.test", "pypi.test", "npm.test", "git.test");
    private static EgressUpstreams instance;

    private final TestCertificates certificates = new TestCertificates("Wharf test upstream CA");
    private final HttpServer http;
    private final HttpsServer https;
    private final Path caFile;
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private final Map<String, String> pages = new ConcurrentHashMap<>();
    private final Map<String, Path> sites = new ConcurrentHashMap<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private volatile int tokenLifetimeSeconds = 3600;
    private volatile String newestRefreshToken;
    private volatile String validToken;

    /** One request as the upstream saw it. Header names lower-cased; several values joined with ", ". */
    public record Recorded(String scheme, String host, String method, String path, String query,
                           Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** The servers of this test run, started on first use. */
    public static synchronized EgressUpstreams get() {
        if (instance == null) {
            instance = new EgressUpstreams();
        }
        return instance;
    }

    private EgressUpstreams() {
        try {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            http = HttpServer.create(new InetSocketAddress(loopback, 0), 64);
            https = HttpsServer.create(new InetSocketAddress(loopback, 0), 64);
            https.setHttpsConfigurator(new HttpsConfigurator(certificates.serverContext(HTTPS_NAMES)));
            http.createContext("/", exchange -> handle(exchange, "http"));
            https.createContext("/", exchange -> handle(exchange, "https"));
            http.setExecutor(Executors.newFixedThreadPool(8));
            https.setExecutor(Executors.newFixedThreadPool(8));
            http.start();
            https.start();
            caFile = certificates.writeCa(Path.of("target", "egress-upstream", "ca.pem").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The wharf.egress.hosts value sending every test name to these servers. */
    public String hostsMapping() {
        List<String> entries = new ArrayList<>();
        HTTP_NAMES.forEach(name -> entries.add(name + "=127.0.0.1:" + http.getAddress().getPort()));
        HTTPS_NAMES.forEach(name -> entries.add(name + "=127.0.0.1:" + https.getAddress().getPort()));
        return String.join(",", entries);
    }

    public Path caFile() {
        return caFile;
    }

    public void page(String name, String html) {
        pages.put(name, html);
    }

    /** Serves the files under {@code root} to requests for {@code host} (a directory's index.html for its path). */
    public void site(String host, Path root) {
        sites.put(host, root);
    }

    public List<Recorded> recorded() {
        return List.copyOf(recorded);
    }

    /** The requests that reached {@code host} (as its Host header named it, port left out). */
    public List<Recorded> to(String host) {
        return recorded.stream().filter(r -> r.host().equals(host)).toList();
    }

    public void clear() {
        recorded.clear();
    }

    public int tokensIssued() {
        return tokensIssued.get();
    }

    /** /rotating-token accepts this refresh token, and from then on only the newest one it issued. */
    public void rotateRefreshTokensFrom(String refreshToken) {
        newestRefreshToken = refreshToken;
    }

    /** The refresh token /rotating-token accepts next. */
    public String newestRefreshToken() {
        return newestRefreshToken;
    }

    /** Makes /protected refuse the token it accepted until now, as an upstream does when it revokes one. */
    public void revokeAccessToken() {
        validToken = null;
    }

    private void handle(HttpExchange exchange, String scheme) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
            String host = headers.getOrDefault("host", "").replaceFirst(":\\d+$", "");
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            recorded.add(new Recorded(scheme, host, exchange.getRequestMethod(), path, query, Map.copyOf(headers),
                    new String(body, StandardCharsets.UTF_8)));
            if (sites.containsKey(host)) {
                serveFile(exchange, sites.get(host), path);
            } else if (path.startsWith("/page/") && pages.containsKey(path.substring("/page/".length()))) {
                send(exchange, 200, "text/html; charset=utf-8", pages.get(path.substring("/page/".length())));
            } else if (path.equals("/token")) {
                String token = "access-" + tokensIssued.incrementAndGet();
                validToken = token;
                send(exchange, 200, "application/json", "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\","
                        + "\"expires_in\":" + tokenLifetimeSeconds + "}");
            } else if (path.equals("/rotating-token")) {
                // Refresh-token rotation: only the newest refresh token is accepted, and each grant issues another.
                String given = java.net.URLDecoder.decode(new String(body, StandardCharsets.UTF_8),
                        StandardCharsets.UTF_8);
                String expected = "refresh_token=" + newestRefreshToken + "&";
                if (newestRefreshToken == null || !(given + "&").contains(expected)) {
                    send(exchange, 400, "application/json", "{\"error\":\"invalid_grant\"}");
                    return;
                }
                int n = tokensIssued.incrementAndGet();
                String token = "access-" + n;
                validToken = token;
                newestRefreshToken = newestRefreshToken.replaceFirst("-r\\d+$", "") + "-r" + n;
                send(exchange, 200, "application/json", "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\","
                        + "\"expires_in\":" + tokenLifetimeSeconds + ",\"refresh_token\":\"" + newestRefreshToken
                        + "\"}");
            } else if (path.equals("/protected")) {
                boolean ok = validToken != null && ("Bearer " + validToken).equals(headers.get("authorization"));
                send(exchange, ok ? 200 : 401, "text/plain", ok ? "welcome" : "unauthorized");
            } else if (path.equals("/bytes")) {
                long n = Long.parseLong(query == null ? "0" : query.replaceFirst("^n=", ""));
                exchange.getResponseHeaders().set("content-type", "application/octet-stream");
                exchange.sendResponseHeaders(200, n);
                byte[] chunk = new byte[16384];
                try (OutputStream out = exchange.getResponseBody()) {
                    for (long sent = 0; sent < n; sent += chunk.length) {
                        out.write(chunk, 0, (int) Math.min(chunk.length, n - sent));
                    }
                }
            } else {
                send(exchange, 200, "text/plain", "ok " + path + "\n");
            }
        }
    }

    private static void serveFile(HttpExchange exchange, Path root, String path) throws IOException {
        Path file = root.resolve(path.replaceFirst("^/+", "")).normalize();
        if (java.nio.file.Files.isDirectory(file)) {
            file = file.resolve("index.html");
        }
        if (!file.startsWith(root) || !java.nio.file.Files.isRegularFile(file)) {
            send(exchange, 404, "text/plain", "not found\n");
            return;
        }
        String name = file.getFileName().toString();
        String type = name.endsWith(".html") ? "text/html" : name.endsWith(".json") || !name.contains(".")
                ? "application/json" : "application/octet-stream";
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        exchange.getResponseHeaders().set("content-type", type);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

}
