package dev.wharf.network;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.egress.EgressProxy;
import dev.wharf.support.EgressSandboxes;
import dev.wharf.support.EgressTestProfile;
import dev.wharf.support.EgressUpstreams;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Egress from real sandboxes through the real proxy to local servers (loopback, by names wharf.egress.hosts maps):
 * allowlists by name, the proxy's refusals and their 403s, private destinations, header transforms, credentials
 * injected outside the sandbox, the network log, the bandwidth cap and a proxy restart. Clients are the ones in the
 * image, run by exec with no proxy flags: the sandbox's environment points them at the proxy.
 */
@QuarkusTest
@TestProfile(EgressTestProfile.class)
@QuarkusTestResource(TestTenants.class)
class EgressTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Inject
    EgressProxy proxy;

    EgressUpstreams upstreams;
    private final List<String> environments = new java.util.ArrayList<>();

    @BeforeEach
    void upstreams() {
        upstreams = EgressUpstreams.get();
        upstreams.clear();
        EgressSandboxes.awaitProxy(proxy);
    }

    @AfterEach
    void deleteEnvironments() {
        environments.forEach(id -> given().delete("/v1/environments/" + id));
        environments.clear();
    }

    private String environment(Object network, Map<String, Object> env) {
        String id = EgressSandboxes.environment(() -> given(), network, env);
        environments.add(id);
        return id;
    }

    private static Map<String, Object> allow(Object... entries) {
        List<Object> list = new java.util.ArrayList<>();
        for (Object entry : entries) {
            list.add(entry instanceof String domain ? Map.of("domain", domain) : entry);
        }
        return Map.of("allowlist", list);
    }

    private static JsonPath exec(String environment, String command) {
        return EgressSandboxes.exec(() -> given(), environment, command);
    }

    private static String out(String environment, String command) {
        return EgressSandboxes.out(environment, command);
    }

    private static void sleep(long millis) {
        EgressSandboxes.pause(millis);
    }

    // ---- Reaching what is listed ------------------------------------------------------------------------------

    @Test
    void listedHostsAreReachableOverHttpAndHttpsByEveryClient() {
        String env = environment(allow("plain.test", "secure.test"), null);
        assertEquals("ok /curl\n", out(env, "curl -sS http://plain.test/curl"));
        assertEquals("ok /curls\n", out(env, "curl -sS https://secure.test/curls"));
        assertEquals("ok /urllib\n", out(env, "python3 -c \"import urllib.request as u;"
                + " print(u.urlopen('https://secure.test/urllib').read().decode(), end='')\""));
        assertEquals("ok /requests\n", out(env, "python3 -c \"import requests;"
                + " print(requests.get('https://secure.test/requests').text, end='')\""));
        assertEquals("ok /node\n", out(env, "node -e \"fetch('https://secure.test/node').then(r => r.text())"
                + ".then(t => process.stdout.write(t))\""));
        assertEquals("ok /nodehttp\n", out(env, "node -e \"fetch('http://plain.test/nodehttp').then(r => r.text())"
                + ".then(t => process.stdout.write(t))\""));
        // Tunnelled, not intercepted: the client checked the server's own certificate (the operator's CA).
        String issuer = out(env, "curl -sS -o /dev/null -w '%{certs}' https://secure.test/ | grep -m1 '^Issuer:'");
        assertTrue(issuer.contains("Wharf test upstream CA"), issuer);
        assertTrue(upstreams.to("secure.test").size() >= 4, "the requests reached the server");
        assertTrue(upstreams.to("secure.test").stream().allMatch(r -> r.scheme().equals("https")));
    }

    @Test
    void anythingElseIsRefusedWithA403NamingTheHost() {
        String env = environment(allow("plain.test"), null);
        JsonPath http = exec(env, "curl -sS -w '\\n%{http_code}' http://other.test/x");
        assertTrue(http.getString("stdout").contains("other.test is not in this environment's allowlist"),
                http.getString("stdout"));
        assertTrue(http.getString("stdout").endsWith("\n403"), http.getString("stdout"));
        JsonPath https = exec(env, "curl -sS -w '\\n%{http_code}' https://elsewhere.test/x");
        assertTrue(https.getString("stdout").contains("elsewhere.test is not in this environment's allowlist"),
                https.getString("stdout") + https.getString("stderr"));
        assertTrue(upstreams.to("other.test").isEmpty() && upstreams.to("elsewhere.test").isEmpty(),
                "a refused request never reaches the upstream");
    }

    @Test
    void privateDestinationsAndAddressesAreRefused() {
        String env = environment(allow("loop.test", "bridge.test", "plain.test"), null);
        String loop = out(env, "curl -sS http://loop.test/x");
        assertTrue(loop.contains("loop.test") && loop.contains("private"), loop);
        String bridge = out(env, "curl -sS https://bridge.test/x");
        assertTrue(bridge.contains("bridge.test") && bridge.contains("private"), bridge);
        // Loopback addresses stay inside the sandbox by default (no_proxy); sent to the proxy, any spelling of one
        // (curl writes 2130706433 as 127.0.0.1, Python sends it as given) is refused there.
        String literal = out(env, "curl -sS --noproxy '' http://127.0.0.1:1/x; curl -sS --noproxy ''"
                + " https://2130706433/x");
        assertEquals(2, literal.split("IP addresses are not allowed", -1).length - 1, literal);
        String decimal = out(env, "python3 -c \"import requests;"
                + " print(requests.get('http://2130706433/x').text, end='')\"");
        assertTrue(decimal.contains("IP addresses are not allowed"), decimal);
        // No way around the proxy: the sandbox resolves nothing and reaches no other address.
        JsonPath direct = exec(env, "curl -sS --noproxy '*' --max-time 5 http://plain.test/x");
        assertTrue(direct.getInt("exit_code") != 0, "a direct request without the proxy must fail");
    }

    @Test
    void wildcardsCoverSubdomainsOnlyAndStarCoversAll() {
        String env = environment(allow("*.wild.test"), null);
        assertEquals("ok /a\n", out(env, "curl -sS http://a.wild.test/a"));
        assertEquals("ok /deep\n", out(env, "curl -sS http://deep.a.wild.test/deep"));
        assertTrue(out(env, "curl -sS http://wild.test/x").contains("not in this environment's allowlist"));
        String any = environment(allow("*"), null);
        assertEquals("ok /any\n", out(any, "curl -sS http://plain.test/any"));
        assertEquals("ok /anys\n", out(any, "curl -sS https://secure.test/anys"));
    }

    @Test
    void aChangedAllowlistAppliesToTheNextRequest() {
        String env = environment(allow("plain.test"), null);
        assertEquals("ok /before\n", out(env, "curl -sS http://plain.test/before"));
        given().contentType(ContentType.JSON).body(Map.of("network", allow("other.test")))
                .patch("/v1/environments/" + env + "?update_mask=network").then().statusCode(200);
        assertTrue(out(env, "curl -sS http://plain.test/after").contains("not in this environment's allowlist"));
        assertEquals("ok /now\n", out(env, "curl -sS http://other.test/now"));
        given().contentType(ContentType.JSON).body(Map.of("network", "disabled"))
                .patch("/v1/environments/" + env).then().statusCode(200);
        assertTrue(out(env, "curl -sS http://other.test/off").contains("disabled"));
    }

    // ---- Headers and credentials ------------------------------------------------------------------------------

    @Test
    void transformsAreSeenByTheServer() {
        String env = environment(allow(Map.of("domain", "api.test",
                "transform", List.of(Map.of("X-Api-Version", "2"), Map.of("X-Team", "data")))), null);
        assertEquals("ok /t\n", out(env, "curl -sS https://api.test/t"));
        EgressUpstreams.Recorded seen = upstreams.to("api.test").get(0);
        assertEquals("2", seen.header("x-api-version"));
        assertEquals("data", seen.header("x-team"));
    }

    @Test
    void networkLogRecordsEveryRequestWithoutQueriesOrHeaders() {
        String env = environment(allow("plain.test", "secure.test"), null);
        out(env, "curl -sS 'http://plain.test/logged?token=hidden'; curl -sS https://secure.test/s;"
                + " curl -sS http://other.test/denied");
        Instant deadline = Instant.now().plus(PATIENCE);
        List<Map<String, Object>> entries;
        do {
            sleep(200);
            entries = given().get("/v1/environments/" + env + "/network_log").then().statusCode(200)
                    .extract().jsonPath().getList("entries");
        } while (entries.size() < 3 && Instant.now().isBefore(deadline));
        assertEquals(3, entries.size(), entries.toString());
        Map<String, Object> denied = entries.stream().filter(e -> "denied".equals(e.get("decision"))).findFirst()
                .orElseThrow();
        assertEquals("other.test", denied.get("host"));
        assertEquals("not_allowlisted", denied.get("reason"));
        Map<String, Object> plain = entries.stream().filter(e -> "plain.test".equals(e.get("host"))).findFirst()
                .orElseThrow();
        assertEquals("/logged", plain.get("path"), "the path without its query");
        assertEquals("GET", plain.get("method"));
        assertEquals(200, plain.get("status"));
        Map<String, Object> tunnel = entries.stream().filter(e -> "secure.test".equals(e.get("host"))).findFirst()
                .orElseThrow();
        assertEquals("CONNECT", tunnel.get("method"));
        assertEquals(443, tunnel.get("port"));
        assertTrue(Long.parseLong((String) tunnel.get("bytes_received")) > 0);
        String page = given().get("/v1/environments/" + env + "/network_log?page_size=2").then().statusCode(200)
                .body("entries.size()", equalTo(2)).extract().path("next_page_token");
        assertNotNull(page);
        given().get("/v1/environments/" + env + "/network_log?page_size=2&page_token=" + page).then()
                .statusCode(200).body("entries.size()", equalTo(1));
        assertFalse(given().get("/v1/environments/" + env + "/network_log").asString().contains("hidden"));
        String metrics = given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).get("/q/metrics").asString();
        assertTrue(metrics.contains("wharf_egress_requests_total{decision=\"denied\",tenant=\"default\"}"),
                () -> metrics.lines().filter(l -> l.contains("egress")).toList().toString());
    }

    @Test
    void theBandwidthCapSlowsALargeDownload() {
        String env = environment(allow("files.test"), null);
        // 3 MiB at the test profile's 1 MiB/s cannot take less than about two seconds (a lower bound only).
        JsonPath result = exec(env, "curl -sS -o /dev/null -w '%{size_download} %{time_total}'"
                + " 'http://files.test/bytes?n=3145728'");
        String[] figures = result.getString("stdout").trim().split(" ");
        assertEquals("3145728", figures[0]);
        assertTrue(Double.parseDouble(figures[1]) >= 1.8, "3 MiB through a 1 MiB/s cap took " + figures[1] + " s");
    }

    @Test
    void aRestartedProxyServesTheNextRequests() throws Exception {
        String env = environment(allow("plain.test"), null);
        assertEquals("ok /1\n", out(env, "curl -sS http://plain.test/1"));
        long pid = proxy.pid().orElseThrow();
        ProcessHandle running = ProcessHandle.of(pid).orElseThrow();
        running.destroyForcibly();
        running.onExit().get();
        Instant deadline = Instant.now().plus(PATIENCE);
        while (proxy.pid().filter(p -> p != pid).isEmpty() || !proxy.isReady()) {
            assertTrue(Instant.now().isBefore(deadline), "the proxy was not restarted");
            sleep(100);
        }
        assertEquals("ok /2\n", out(env, "curl -sS http://plain.test/2"));
    }
}
