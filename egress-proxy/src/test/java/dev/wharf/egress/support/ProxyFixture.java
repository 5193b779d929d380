package dev.wharf.egress.support;

import dev.wharf.egress.EgressProxy;
import dev.wharf.egress.EgressSettings;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A proxy started in-process against a fake control plane and local upstreams. Every name resolves through the
 * resolve file or the host map: no test ever asks DNS, and nothing leaves 127.0.0.1.
 */
public final class ProxyFixture implements AutoCloseable {

    public final TestPki pki;
    public final FakeControlPlane control;
    public final Upstream web;
    public final Upstream secure;
    public final Path dir;
    public final Map<String, String> env = new HashMap<>();
    public EgressProxy proxy;
    private HttpClient client;

    public ProxyFixture(Map<String, String> overrides) throws Exception {
        pki = TestPki.create();
        control = new FakeControlPlane();
        web = Upstream.http("web");
        secure = Upstream.https("secure", pki.serverContext("api.test", "other.test", "auth.test", "x.wild.test"));
        dir = Files.createTempDirectory("egress-test");
        Path resolveFile = dir.resolve("hosts");
        Files.writeString(resolveFile, "# test names; anything else does not resolve\n"
                + "127.0.0.1 loop.test\n172.17.0.1 bridge.test\n");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String h = "127.0.0.1:" + web.port();
        String s = "127.0.0.1:" + secure.port();
        env.putAll(baseEnv(control, dir.resolve("state"), resolveFile, pki.writeCaPem(dir),
                "shop.test=" + h + ",a.b.shop.test=" + h + ",any.test=" + h + ",plain.test=" + h + ",big.test=" + h
                        + ",api.test:443=" + s + ",other.test:443=" + s + ",auth.test:443=" + s + ",x.wild.test:443="
                        + s + ",bad.test:443=" + s + ",dead.test=127.0.0.1:" + closedPort));
        env.putAll(overrides);
        proxy = EgressProxy.start(EgressSettings.fromEnvironment(env));
    }

    public static Map<String, String> baseEnv(FakeControlPlane control, Path stateDir, Path resolveFile,
                                              Path upstreamCa, String hosts) {
        Map<String, String> env = new HashMap<>();
        env.put("WHARF_EGRESS_LISTEN", "127.0.0.1:0");
        env.put("WHARF_EGRESS_CONTROL_URL", control.baseUrl());
        env.put("WHARF_EGRESS_CONTROL_TOKEN", FakeControlPlane.TOKEN);
        env.put("WHARF_EGRESS_STATE_DIR", stateDir.toString());
        env.put("WHARF_EGRESS_RESOLVE_FILE", resolveFile.toString());
        env.put("WHARF_EGRESS_UPSTREAM_CA", upstreamCa.toString());
        env.put("WHARF_EGRESS_HOSTS", hosts);
        env.put("WHARF_EGRESS_LOG_FLUSH_MS", "100");
        return env;
    }

    /** A client using the proxy for http and https, trusting the upstreams' CA and the proxy's. */
    public synchronized HttpClient client() throws Exception {
        if (client == null) {
            client = clientTrusting(TestPki.trusting(pki.caCert, proxy.caCertificate()));
        }
        return client;
    }

    public HttpClient clientTrusting(SSLContext ssl) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.port())))
                .sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public HttpResponse<String> get(String url) throws Exception {
        return client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client().send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A raw connection to the proxy, for what HttpClient will not send. */
    public Socket raw() throws IOException {
        Socket socket = new Socket("127.0.0.1", proxy.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Writes {@code request} and reads one response head (and body if it has a length) from the socket. */
    public static String exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return readResponse(socket.getInputStream());
    }

    public static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        String h = head.toString();
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return h + new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
        web.close();
        secure.close();
        control.close();
    }
}
