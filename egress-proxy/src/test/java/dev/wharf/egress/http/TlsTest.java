package dev.wharf.egress.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.egress.support.ProxyFixture;
import dev.wharf.egress.support.TestPki;
import dev.wharf.egress.support.Upstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CONNECT: tunnels, interception, denials inside TLS, server-name checks and OAuth2. */
class TlsTest {

    static final String PLACEHOLDER = "wharf-placeholder-0a1b2c3d4e5f60718293a4b5";

    static final String POLICY = """
            {"environment_id": "env_tls", "network": "allowlist",
             "allowlist": [
               {"domain": "api.test", "headers": [["X-Injected", "yes"]]},
               {"domain": "other.test"},
               {"domain": "*.wild.test"},
               {"domain": "bad.test", "headers": [["X-Injected", "yes"]]}
             ],
             "placeholders": [
               {"placeholder": "%s", "value": "tls-secret", "locations": ["header", "query", "body"],
                "trusted_domains": ["api.test"]}
             ]}
            """.formatted(PLACEHOLDER);

    static ProxyFixture f;
    static final AtomicInteger tokenCalls = new AtomicInteger();
    static final List<String> tokenForms = new ArrayList<>();
    static final Set<String> revoked = ConcurrentHashMap.newKeySet();
    static final String[] rotatingRefreshToken = {"rt-r1"};
    static final AtomicInteger rotatingGrants = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        f = new ProxyFixture(Map.of());
        f.secure.route("/token", r -> {
            int n = tokenCalls.incrementAndGet();
            synchronized (tokenForms) {
                tokenForms.add(r.body());
            }
            return new Upstream.Reply(200, Map.of("Content-Type", "application/json"),
                    ("{\"access_token\": \"tok-" + n + "\", \"expires_in\": 3600, \"token_type\": \"Bearer\"}")
                            .getBytes(StandardCharsets.UTF_8));
        });
        // Rotates: each grant answers a new refresh token, and only the newest one is accepted.
        f.secure.route("/rotating-token", r -> {
            String form = URLDecoder.decode(r.body(), StandardCharsets.UTF_8);
            synchronized (rotatingRefreshToken) {
                if (!form.contains("refresh_token=" + rotatingRefreshToken[0] + "&")) {
                    return new Upstream.Reply(400, Map.of("Content-Type", "application/json"),
                            "{\"error\": \"invalid_grant\"}".getBytes(StandardCharsets.UTF_8));
                }
                int n = rotatingGrants.incrementAndGet();
                rotatingRefreshToken[0] = "rt-r" + (n + 1);
                return new Upstream.Reply(200, Map.of("Content-Type", "application/json"),
                        ("{\"access_token\": \"rot-" + n + "\", \"expires_in\": 3600, \"refresh_token\": \""
                                + rotatingRefreshToken[0] + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        });
        f.secure.route("/oauth", r -> revoked.contains(r.header("Authorization"))
                ? Upstream.Reply.text(401, "expired")
                : Upstream.Reply.text(200, "ok " + r.header("Authorization")));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.control.answer(POLICY);
        f.secure.received.clear();
    }

    @Test
    void tunnelledConnectShowsTheUpstreamsOwnCertificate() throws Exception {
        HttpResponse<String> response = f.get("https://other.test/t");

        assertEquals(200, response.statusCode());
        assertEquals("hello from secure", response.body());
        X509Certificate peer = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals("CN=Upstream test CA", peer.getIssuerX500Principal().getName());
        assertNull(f.secure.next().header("X-Injected"));
    }

    @Test
    void tunnelIsLoggedWhenItClosesWithItsByteCounts() throws Exception {
        try (SSLSocket tls = tlsOverConnect("other.test:443", "other.test", TestPki.trusting(f.pki.caCert))) {
            String response = ProxyFixture.exchange(tls, "GET /logged HTTP/1.1\r\nHost: other.test\r\n"
                    + "Connection: close\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
        }
        JsonNode e = f.control.awaitEntry(n -> n.path("method").asText().equals("CONNECT")
                && n.path("host").asText().equals("other.test"), Duration.ofSeconds(10));
        assertEquals("env_tls", e.get("environment_id").asText());
        assertEquals("https", e.get("scheme").asText());
        assertEquals(443, e.get("port").asInt());
        assertTrue(e.get("path").isNull());
        assertEquals("allowed", e.get("decision").asText());
        assertFalse(e.get("intercepted").asBoolean());
        assertTrue(e.get("bytes_sent").asLong() > 100, e.toString());
        assertTrue(e.get("bytes_received").asLong() > 100, e.toString());
    }

    @Test
    void interceptedConnectInjectsHeadersAndReplacesPlaceholdersUnderTheProxyCa() throws Exception {
        HttpResponse<String> response = f.send(HttpRequest.newBuilder(URI.create("https://api.test/i?k=" + PLACEHOLDER))
                .header("X-Key", PLACEHOLDER)
                .POST(HttpRequest.BodyPublishers.ofString("secret=" + PLACEHOLDER)));

        assertEquals(200, response.statusCode());
        X509Certificate peer = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertTrue(peer.getIssuerX500Principal().getName().contains("Wharf egress CA"), peer.toString());
        assertEquals(f.proxy.caCertificate().getSubjectX500Principal(), peer.getIssuerX500Principal());
        Upstream.Received got = f.secure.next();
        assertEquals("yes", got.header("X-Injected"));
        assertEquals("/i?k=tls-secret", got.uri());
        assertEquals("tls-secret", got.header("X-Key"));
        assertEquals("secret=tls-secret", got.body());
        assertEquals("api.test", got.header("Host"));

        JsonNode e = f.control.awaitEntry(n -> n.path("path").asText().equals("/i"), Duration.ofSeconds(10));
        assertEquals("POST", e.get("method").asText());
        assertEquals("https", e.get("scheme").asText());
        assertTrue(e.get("intercepted").asBoolean());
        assertEquals(200, e.get("status").asInt());
        assertFalse(f.control.allPosts().contains("tls-secret"));
    }

    @Test
    void placeholdersForOtherHostsTravelUnchangedThroughATunnel() throws Exception {
        HttpResponse<String> response = f.send(HttpRequest.newBuilder(URI.create("https://other.test/u?k=" + PLACEHOLDER))
                .header("X-Key", PLACEHOLDER)
                .POST(HttpRequest.BodyPublishers.ofString("secret=" + PLACEHOLDER)));

        assertEquals(200, response.statusCode());
        X509Certificate peer = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals("CN=Upstream test CA", peer.getIssuerX500Principal().getName());
        Upstream.Received got = f.secure.next();
        assertEquals("/u?k=" + PLACEHOLDER, got.uri());
        assertEquals(PLACEHOLDER, got.header("X-Key"));
        assertEquals("secret=" + PLACEHOLDER, got.body());
    }

    @Test
    void deniedConnectAnswersInsideTlsWithTheReason() throws Exception {
        HttpResponse<String> response = f.get("https://shop.example/x");

        assertEquals(403, response.statusCode());
        assertEquals("not_allowlisted", response.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());
        assertEquals("Wharf egress proxy: shop.example is not in this environment's allowlist\n", response.body());
        X509Certificate peer = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals(f.proxy.caCertificate().getSubjectX500Principal(), peer.getIssuerX500Principal());
        JsonNode e = f.control.awaitEntry(n -> n.path("host").asText().equals("shop.example")
                && n.path("path").asText().equals("/x"), Duration.ofSeconds(10));
        assertEquals("denied", e.get("decision").asText());
        assertEquals("not_allowlisted", e.get("reason").asText());
        assertEquals("https", e.get("scheme").asText());
    }

    @Test
    void deniedConnectSpeakingPlainHttpIsAnswered403() throws Exception {
        try (Socket s = f.raw()) {
            assertTrue(ProxyFixture.exchange(s, "CONNECT shop.example:80 HTTP/1.1\r\nHost: shop.example:80\r\n\r\n")
                    .startsWith("HTTP/1.1 200"));
            String response = ProxyFixture.exchange(s, "GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 403"), response);
            assertTrue(response.contains("shop.example is not in this environment's allowlist"), response);
        }
    }

    @Test
    void connectToAnIpLiteralIsDenied() throws Exception {
        try (Socket s = f.raw()) {
            assertTrue(ProxyFixture.exchange(s, "CONNECT 2130706433:443 HTTP/1.1\r\nHost: 2130706433:443\r\n\r\n")
                    .startsWith("HTTP/1.1 200"));
            String response = ProxyFixture.exchange(s, "GET / HTTP/1.1\r\nHost: 2130706433\r\n\r\n");
            assertTrue(response.contains("X-Wharf-Egress-Denied: ip_literal"), response);
        }
    }

    @Test
    void serverNameOutsideTheAllowlistIsRefusedInsideAnAllowedTunnel() throws Exception {
        SSLContext trustProxy = TestPki.trusting(f.pki.caCert, f.proxy.caCertificate());
        try (SSLSocket tls = tlsOverConnect("other.test:443", "evil.test", trustProxy)) {
            String response = ProxyFixture.exchange(tls, "GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 403"), response);
            assertTrue(response.contains("evil.test is not in this environment's allowlist"), response);
        }
        try (SSLSocket tls = tlsOverConnect("other.test:443", "api.test", trustProxy)) {
            String response = ProxyFixture.exchange(tls, "GET / HTTP/1.1\r\nHost: api.test\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 403"), response);
            assertTrue(response.contains("not covered by the allowlist entry"), response);
        }
        assertEquals(0, f.secure.received.size());
    }

    @Test
    void hostHeaderNamingAnotherHostIsRefusedInsideAnInterceptedConnect() throws Exception {
        SSLContext trustProxy = TestPki.trusting(f.proxy.caCertificate());
        try (SSLSocket tls = tlsOverConnect("api.test:443", "api.test", trustProxy)) {
            String response = ProxyFixture.exchange(tls, "GET / HTTP/1.1\r\nHost: other.test\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 403"), response);
            assertTrue(response.contains("opened for api.test, not other.test"), response);
        }
    }

    @Test
    void upstreamCertificateIsVerifiedWhenIntercepting() throws Exception {
        HttpResponse<String> response = f.get("https://bad.test/");

        assertEquals(502, response.statusCode());
        assertTrue(response.body().contains("TLS handshake failed"), response.body());
    }

    @Test
    void oauth2TokenIsExchangedCachedAndRefreshedOnceAfterA401() throws Exception {
        f.control.answer(oauthPolicy("cred-1"));
        int before = tokenCalls.get();

        assertEquals("ok Bearer tok-" + (before + 1), f.get("https://api.test/oauth/1").body());
        assertEquals("ok Bearer tok-" + (before + 1), f.get("https://api.test/oauth/2").body());
        assertEquals(before + 1, tokenCalls.get());
        String form;
        synchronized (tokenForms) {
            form = URLDecoder.decode(tokenForms.get(tokenForms.size() - 1), StandardCharsets.UTF_8);
        }
        assertTrue(form.startsWith("grant_type=refresh_token"), form);
        assertTrue(form.contains("refresh_token=rt-secret") && form.contains("client_id=id")
                && form.contains("client_secret=sec") && form.contains("scope=a b"), form);

        revoked.add("Bearer tok-" + (before + 1));
        f.secure.received.clear();
        HttpResponse<String> retried = f.send(HttpRequest.newBuilder(URI.create("https://api.test/oauth/3"))
                .POST(HttpRequest.BodyPublishers.ofString("payload")));

        assertEquals(200, retried.statusCode());
        assertEquals("ok Bearer tok-" + (before + 2), retried.body());
        assertEquals(before + 2, tokenCalls.get());
        Upstream.Received first = nextApiRequest();
        Upstream.Received second = nextApiRequest();
        assertEquals("payload", first.body());
        assertEquals("payload", second.body());
        assertEquals("Bearer tok-" + (before + 2), second.header("Authorization"));
        assertFalse(f.control.allPosts().contains("tok-"));
    }

    /**
     * A token endpoint that rotates refresh tokens accepts only the newest: the proxy exchanges the one it was last
     * given (the policy still names the first) and reports each new one to the control plane, never in its log.
     */
    @Test
    void aRotatedRefreshTokenIsUsedNextAndReportedToTheControlPlane() throws Exception {
        f.control.answer("""
                {"environment_id": "env_tls", "network": "allowlist", "allowlist": [
                  {"domain": "api.test", "oauth2": {"cache_key": "tenant-a/cred-rot/0a1b", "token_url":
                   "https://auth.test/rotating-token", "client_id": "id", "client_secret": "sec",
                   "refresh_token": "rt-r1", "header_name": "Authorization", "prefix": "Bearer"}}]}
                """);

        assertEquals("ok Bearer rot-1", f.get("https://api.test/oauth/r1").body());
        revoked.add("Bearer rot-1");
        assertEquals("ok Bearer rot-2", f.get("https://api.test/oauth/r2").body());

        List<String> reported = new ArrayList<>();
        for (int i = 0; i < 100 && f.control.rotations.size() < 2; i++) {
            Thread.sleep(50);
        }
        f.control.rotations.forEach(r -> reported.add(r.get("cache_key").asText() + " "
                + r.get("previous_refresh_token").asText() + " -> " + r.get("refresh_token").asText()));
        assertEquals(List.of("tenant-a/cred-rot/0a1b rt-r1 -> rt-r2", "tenant-a/cred-rot/0a1b rt-r2 -> rt-r3"),
                reported);
        assertFalse(f.control.allPosts().contains("rt-r"), "refresh tokens never enter the request log");
    }

    @Test
    void concurrentRequestsShareOneTokenExchange() throws Exception {
        f.control.answer(oauthPolicy("cred-concurrent"));
        int before = tokenCalls.get();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(f.client().sendAsync(HttpRequest.newBuilder(URI.create("https://api.test/oauth/c" + i))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> r : all) {
            assertEquals(200, r.get().statusCode());
        }
        assertEquals(before + 1, tokenCalls.get());
    }

    /** The next request the API received, skipping the token endpoint's (same test server). */
    private static Upstream.Received nextApiRequest() throws InterruptedException {
        Upstream.Received r = f.secure.next();
        return r.uri().startsWith("/token") ? nextApiRequest() : r;
    }

    private static String oauthPolicy(String cacheKey) {
        return """
                {"environment_id": "env_tls", "network": "allowlist", "allowlist": [
                  {"domain": "api.test", "oauth2": {"cache_key": "%s", "token_url": "https://auth.test/token",
                   "client_id": "id", "client_secret": "sec", "refresh_token": "rt-secret", "scopes": ["a", "b"],
                   "header_name": "Authorization", "prefix": "Bearer"}}]}
                """.formatted(cacheKey);
    }

    private static SSLSocket tlsOverConnect(String authority, String serverName, SSLContext trust) throws Exception {
        Socket s = f.raw();
        String answer = ProxyFixture.exchange(s, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        SSLSocket tls = (SSLSocket) trust.getSocketFactory().createSocket(s, serverName, 443, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }
}
