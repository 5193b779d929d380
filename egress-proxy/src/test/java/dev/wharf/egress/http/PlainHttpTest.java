package dev.wharf.egress.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.egress.support.ProxyFixture;
import dev.wharf.egress.support.Upstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plain-HTTP forward proxying: decisions, destination checks, injection and the log. */
class PlainHttpTest {

    static final String PLACEHOLDER = "wharf-placeholder-6f1c0e2a9b7d4c1e8a3f5b2d";

    static final String POLICY = """
            {"environment_id": "env_abc", "tenant_id": "default", "network": "allowlist",
             "allowlist": [
               {"domain": "shop.test", "headers": [["X-Api-Version", "1"], ["X-Api-Version", "2"], ["Authorization", "Bearer s3cr3t"]]},
               {"domain": "*.shop.test", "headers": [["X-Rule", "wildcard"]]},
               {"domain": "any.test"},
               {"domain": "plain.test"},
               {"domain": "loop.test"}, {"domain": "bridge.test"}, {"domain": "nowhere.test"}, {"domain": "dead.test"},
               {"domain": "2130706433"}, {"domain": "127.0.0.1"}
             ],
             "placeholders": [
               {"placeholder": "%s", "value": "real secret&1", "locations": ["header", "query", "body"],
                "trusted_domains": ["shop.test"]}
             ]}
            """.formatted(PLACEHOLDER);

    static ProxyFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = new ProxyFixture(Map.of());
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.control.answer(POLICY);
        f.web.received.clear();
    }

    @Test
    void allowedRequestReachesTheUpstreamInOriginFormWithProxyHeadersStripped() throws Exception {
        HttpResponse<String> response = f.send(HttpRequest.newBuilder(URI.create("http://plain.test:8080/p/q?x=1&y=2"))
                .header("Proxy-Authorization", "Basic c2VjcmV0")
                .header("X-Mine", "kept"));

        assertEquals(200, response.statusCode());
        assertEquals("hello from web", response.body());
        Upstream.Received got = f.web.next();
        assertEquals("/p/q?x=1&y=2", got.uri());
        assertEquals("plain.test:8080", got.header("Host"));
        assertEquals("kept", got.header("X-Mine"));
        assertNull(got.header("Proxy-Authorization"));
        assertEquals("127.0.0.1", f.control.lastSource);
    }

    @Test
    void logEntryDescribesTheRequestWithoutQueryOrHeaderValues() throws Exception {
        f.send(HttpRequest.newBuilder(URI.create("http://shop.test/items/7?token=" + PLACEHOLDER + "&q=secretquery"))
                .header("X-Private", "header-value-42"));

        JsonNode e = f.control.awaitEntry(n -> n.path("path").asText().equals("/items/7"), Duration.ofSeconds(10));
        assertEquals("env_abc", e.get("environment_id").asText());
        assertEquals("127.0.0.1", e.get("source").asText());
        assertEquals("GET", e.get("method").asText());
        assertEquals("http", e.get("scheme").asText());
        assertEquals("shop.test", e.get("host").asText());
        assertEquals(80, e.get("port").asInt());
        assertEquals("allowed", e.get("decision").asText());
        assertTrue(e.get("reason").isNull());
        assertEquals(200, e.get("status").asInt());
        assertTrue(e.get("bytes_received").asLong() > 0);
        assertTrue(e.get("duration_ms").asLong() >= 0);
        assertFalse(e.get("intercepted").asBoolean());
        assertTrue(e.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"));
        String everything = f.control.allPosts();
        for (String secret : new String[] {"secretquery", "header-value-42", "s3cr3t", PLACEHOLDER, "real secret"}) {
            assertFalse(everything.contains(secret), "log carries " + secret);
        }
    }

    @Test
    void notAllowlistedHostIsRefusedWithItsNameAndNeverResolved() throws Exception {
        HttpResponse<String> response = f.get("http://shop.example/x");

        assertEquals(403, response.statusCode());
        assertEquals("text/plain; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("not_allowlisted", response.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());
        assertEquals("Wharf egress proxy: shop.example is not in this environment's allowlist\n", response.body());
        JsonNode e = f.control.awaitEntry(n -> n.path("host").asText().equals("shop.example"), Duration.ofSeconds(10));
        assertEquals("denied", e.get("decision").asText());
        assertEquals("not_allowlisted", e.get("reason").asText());
        assertEquals(403, e.get("status").asInt());
    }

    @Test
    void disabledNetworkRefusesEverything() throws Exception {
        f.control.answer("{\"environment_id\": \"env_off\", \"network\": \"disabled\", \"allowlist\": [{\"domain\": \"*\"}]}");

        HttpResponse<String> response = f.get("http://shop.test/");

        assertEquals(403, response.statusCode());
        assertEquals("network_disabled", response.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());
        assertTrue(response.body().contains("network access is disabled for this environment"));
    }

    @Test
    void unknownSandboxIsRefused() throws Exception {
        f.control.answerStatus(404);

        HttpResponse<String> response = f.get("http://shop.test/");

        assertEquals(403, response.statusCode());
        assertEquals("unknown_sandbox", response.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());
    }

    @Test
    void policyUnavailableFailsClosedWith503() throws Exception {
        f.control.answerStatus(500);

        HttpResponse<String> response = f.get("http://shop.test/");

        assertEquals(503, response.statusCode());
        assertEquals("policy_unavailable", response.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());
        assertEquals(0, f.web.received.size());
    }

    @Test
    void policyChangeAppliesToTheNextRequest() throws Exception {
        assertEquals(200, f.get("http://any.test/").statusCode());
        f.control.answer("{\"environment_id\": \"env_abc\", \"network\": \"allowlist\", \"allowlist\": []}");
        assertEquals(403, f.get("http://any.test/").statusCode());
    }

    @Test
    void ipLiteralsAreRefusedInEverySpelling() throws Exception {
        for (String host : new String[] {"127.0.0.1", "2130706433", "0x7f.1", "017700000001", "[::1]", "127.1"}) {
            try (Socket s = f.raw()) {
                String response = ProxyFixture.exchange(s, "GET http://" + host + "/ HTTP/1.1\r\nHost: " + host
                        + "\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 403"), host + ": " + response);
                assertTrue(response.contains("X-Wharf-Egress-Denied: ip_literal"), host + ": " + response);
                assertTrue(response.contains("IP addresses are not allowed"), response);
            }
        }
        assertEquals(0, f.web.received.size());
    }

    @Test
    void resolvedPrivateAddressesAreRefusedButOperatorMappedNamesAreNot() throws Exception {
        HttpResponse<String> loop = f.get("http://loop.test/");
        assertEquals(403, loop.statusCode());
        assertEquals("private_address", loop.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());
        assertEquals("Wharf egress proxy: loop.test resolves to a private or loopback address\n", loop.body());

        HttpResponse<String> bridge = f.get("http://bridge.test/");
        assertEquals(403, bridge.statusCode());
        assertEquals("private_address", bridge.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());

        HttpResponse<String> nowhere = f.get("http://nowhere.test/");
        assertEquals(403, nowhere.statusCode());
        assertEquals("unresolvable", nowhere.headers().firstValue("X-Wharf-Egress-Denied").orElseThrow());
        assertTrue(nowhere.body().contains("nowhere.test could not be resolved"));

        assertEquals(200, f.get("http://plain.test/").statusCode()); // mapped to 127.0.0.1 by the operator
    }

    @Test
    void unreachableUpstreamIsA502ThatExplains() throws Exception {
        HttpResponse<String> response = f.get("http://dead.test/");

        assertEquals(502, response.statusCode());
        assertTrue(response.body().contains("could not connect to dead.test"), response.body());
        JsonNode e = f.control.awaitEntry(n -> n.path("host").asText().equals("dead.test"), Duration.ofSeconds(10));
        assertEquals("allowed", e.get("decision").asText());
        assertEquals("upstream_error", e.get("reason").asText());
    }

    @Test
    void wildcardsMatchNamesBelowOnlyAndTheMostSpecificRuleWins() throws Exception {
        f.control.answer("""
                {"environment_id": "e", "network": "allowlist", "allowlist": [
                  {"domain": "*", "headers": [["X-Rule", "any"]]},
                  {"domain": "*.shop.test", "headers": [["X-Rule", "wildcard"]]},
                  {"domain": "*.b.shop.test", "headers": [["X-Rule", "longer-wildcard"]]},
                  {"domain": "shop.test", "headers": [["X-Rule", "exact"]]}]}
                """);
        assertEquals(200, f.get("http://a.b.shop.test/").statusCode());
        assertEquals("longer-wildcard", f.web.next().header("X-Rule"));
        assertEquals(200, f.get("http://shop.test/").statusCode());
        assertEquals("exact", f.web.next().header("X-Rule"));
        assertEquals(200, f.get("http://any.test/").statusCode());
        assertEquals("any", f.web.next().header("X-Rule"));

        f.control.answer("{\"network\": \"allowlist\", \"allowlist\": [{\"domain\": \"*.shop.test\"}]}");
        assertEquals(200, f.get("http://a.b.shop.test/").statusCode());
        assertEquals(403, f.get("http://shop.test/").statusCode());
    }

    @Test
    void ruleHeadersReplaceTheSandboxsInOrder() throws Exception {
        HttpResponse<String> response = f.send(HttpRequest.newBuilder(URI.create("http://shop.test/h"))
                .header("Authorization", "Bearer sandbox-own"));

        assertEquals(200, response.statusCode());
        Upstream.Received got = f.web.next();
        assertEquals("2", got.header("X-Api-Version"));
        assertEquals(1, got.headers().get("X-api-version").size());
        assertEquals("Bearer s3cr3t", got.header("Authorization"));
    }

    @Test
    void placeholdersAreReplacedForTrustedHostsOnly() throws Exception {
        HttpResponse<String> trusted = f.send(HttpRequest.newBuilder(URI.create("http://shop.test/s?k=" + PLACEHOLDER))
                .header("X-Key", "key " + PLACEHOLDER)
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"" + PLACEHOLDER + "\"}")));
        assertEquals(200, trusted.statusCode());
        Upstream.Received got = f.web.next();
        assertEquals("/s?k=real%20secret%261", got.uri());
        assertEquals("key real secret&1", got.header("X-Key"));
        assertEquals("{\"key\": \"real secret&1\"}", got.body());

        HttpResponse<String> untrusted = f.send(HttpRequest.newBuilder(URI.create("http://any.test/s?k=" + PLACEHOLDER))
                .header("X-Key", "key " + PLACEHOLDER)
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"" + PLACEHOLDER + "\"}")));
        assertEquals(200, untrusted.statusCode());
        Upstream.Received other = f.web.next();
        assertEquals("/s?k=" + PLACEHOLDER, other.uri());
        assertEquals("key " + PLACEHOLDER, other.header("X-Key"));
        assertEquals("{\"key\": \"" + PLACEHOLDER + "\"}", other.body());
    }

    @Test
    void chunkedBodiesAreReplacedAndSentWithALength() throws Exception {
        try (Socket s = f.raw()) {
            String chunk = "a=" + PLACEHOLDER;
            String response = ProxyFixture.exchange(s, "POST http://shop.test/c HTTP/1.1\r\nHost: shop.test\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(chunk.length()) + "\r\n" + chunk
                    + "\r\n3\r\n&b!\r\n0\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
        }
        Upstream.Received got = f.web.next();
        assertEquals("a=real secret&1&b!", got.body());
        assertEquals(String.valueOf("a=real secret&1&b!".length()), got.header("Content-Length"));
    }

    @Test
    void largeBodiesStreamThroughUnreplaced() throws Exception {
        String big = PLACEHOLDER + "x".repeat(9 * 1024 * 1024);
        HttpResponse<String> response = f.send(HttpRequest.newBuilder(URI.create("http://shop.test/big"))
                .POST(HttpRequest.BodyPublishers.ofString(big)));
        assertEquals(200, response.statusCode());
        Upstream.Received got = f.web.next();
        assertEquals(big.length(), got.body().length());
        assertTrue(got.body().startsWith(PLACEHOLDER));
    }

    @Test
    void keepAliveConnectionServesSeveralHostsInTurn() throws Exception {
        try (Socket s = f.raw()) {
            assertTrue(ProxyFixture.exchange(s, "GET http://plain.test/1 HTTP/1.1\r\nHost: plain.test\r\n\r\n")
                    .startsWith("HTTP/1.1 200"));
            assertTrue(ProxyFixture.exchange(s, "GET http://any.test/2 HTTP/1.1\r\nHost: any.test\r\n\r\n")
                    .startsWith("HTTP/1.1 200"));
            assertTrue(ProxyFixture.exchange(s, "GET http://shop.example/3 HTTP/1.1\r\nHost: shop.example\r\n\r\n")
                    .startsWith("HTTP/1.1 403"));
            assertTrue(ProxyFixture.exchange(s, "GET http://plain.test/4 HTTP/1.1\r\nHost: plain.test\r\n\r\n")
                    .startsWith("HTTP/1.1 200"));
        }
        assertEquals("plain.test", f.web.next().header("Host"));
        assertEquals("any.test", f.web.next().header("Host"));
        assertEquals("/4", f.web.next().uri());
    }

    @Test
    void requestsForTheProxyItselfAreExplained() throws Exception {
        try (Socket s = f.raw()) {
            String response = ProxyFixture.exchange(s, "GET /index.html HTTP/1.1\r\nHost: shop.test\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 400"), response);
            assertTrue(response.contains("this is an egress proxy"), response);
        }
    }

    @Test
    void oversizedHeadersAreRefused() throws Exception {
        try (Socket s = f.raw()) {
            String response = ProxyFixture.exchange(s, "GET http://shop.test/ HTTP/1.1\r\nHost: shop.test\r\nX-Big: "
                    + "y".repeat(40_000) + "\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 431"), response);
        }
    }
}
