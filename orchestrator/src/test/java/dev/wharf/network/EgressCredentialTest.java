package dev.wharf.network;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.egress.EgressProxy;
import dev.wharf.support.EgressSandboxes;
import dev.wharf.support.EgressTestProfile;
import dev.wharf.support.LogCapture;
import dev.wharf.support.EgressUpstreams;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.filter.Filter;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Credentials applied by the egress proxy, outside the sandbox: a bearer token set as a header, an OAuth2 grant
 * exchanged and refreshed, and environment variables that hold only a placeholder the proxy replaces, on requests to
 * trusted domains only. Every secret holds {@link #MARK}: no API answer and no log line of the control plane (the
 * proxy's included, it logs through it) may show one, and nothing inside the sandbox either.
 */
@QuarkusTest
@TestProfile(EgressTestProfile.class)
@QuarkusTestResource(TestTenants.class)
class EgressCredentialTest {
    private static final String MARK = "zqsecret" + Long.toHexString(new SecureRandom().nextLong());

    @Inject
    EgressProxy proxy;

    EgressUpstreams upstreams;
    private final List<String> created = new java.util.ArrayList<>();
    private final List<String> answers = new CopyOnWriteArrayList<>();
    private final LogCapture log = new LogCapture();
    private final Filter recorder = (request, response, context) -> {
        var answer = context.next(request, response);
        answers.add(answer.asString());
        return answer;
    };

    @BeforeEach
    void watch() {
        upstreams = EgressUpstreams.get();
        upstreams.clear();
        log.install();
        EgressSandboxes.awaitProxy(proxy);
    }

    @AfterEach
    void noSecretWasShownOrLogged() {
        log.uninstall();
        created.forEach(path -> given().delete(path));
        created.clear();
        for (String answer : answers) {
            assertFalse(answer.contains(MARK), () -> "an answer shows a secret: " + answer);
        }
        for (String line : log.lines()) {
            assertFalse(line.contains(MARK), () -> "a log line shows a secret: " + line);
        }
    }

    private io.restassured.specification.RequestSpecification api() {
        return given().filter(recorder).contentType(ContentType.JSON);
    }

    private void credential(Map<String, Object> body) {
        api().body(body).post("/v1/credentials").then().statusCode(200);
        created.add("/v1/credentials/" + body.get("id"));
    }

    private String environment(Object network, Map<String, Object> env) {
        String id = EgressSandboxes.environment(this::api, network, env);
        created.add(0, "/v1/environments/" + id);
        return id;
    }

    private String out(String environment, String command) {
        return EgressSandboxes.out(this::api, environment, command);
    }

    @Test
    void aBearerTokenIsSetByTheProxyAndStopsWithItsCredential() {
        credential(Map.of("id", "egress-bearer", "type", "bearer_token", "token", MARK + "-bearer"));
        String env = environment(Map.of("allowlist", List.of(Map.of("domain", "api.test", "credential",
                "egress-bearer"), Map.of("domain", "plain.test"))), null);
        assertEquals("ok /b\n", out(env, "curl -sS https://api.test/b"));
        assertEquals("Bearer " + MARK + "-bearer", upstreams.to("api.test").get(0).header("authorization"));
        out(env, "curl -sS http://plain.test/no");
        assertNull(upstreams.to("plain.test").get(0).header("authorization"), "other domains get nothing");

        api().delete("/v1/credentials/egress-bearer").then().statusCode(200);
        upstreams.clear();
        assertEquals("ok /after\n", out(env, "curl -sS https://api.test/after"));
        assertNull(upstreams.to("api.test").get(0).header("authorization"), "a deleted credential is not injected");
    }

    @Test
    void placeholdersAreReplacedOnlyForTrustedDomains() {
        credential(Map.of("id", "egress-variable", "type", "environment_variable", "value", MARK + "-value",
                "injection_location", List.of("header", "query", "body"), "trusted_domains", List.of("api.test")));
        String env = environment(Map.of("allowlist", List.of(Map.of("domain", "api.test"),
                        Map.of("domain", "secure.test"), Map.of("domain", "plain.test"))),
                Map.of("API_KEY", Map.of("credential", "egress-variable"), "PLAIN", "visible"));
        String placeholder = out(env, "printf %s \"$API_KEY\"");
        assertTrue(placeholder.startsWith("wharf-placeholder-"), placeholder);
        assertEquals("visible", out(env, "printf %s \"$PLAIN\""));

        String send = " -H \"X-Key: $API_KEY\" --data \"k=$API_KEY\" ";
        out(env, "curl -sS" + send + "\"https://api.test/p?key=$API_KEY\"");
        EgressUpstreams.Recorded trusted = upstreams.to("api.test").get(0);
        assertEquals(MARK + "-value", trusted.header("x-key"));
        assertEquals("key=" + MARK + "-value", trusted.query());
        assertEquals("k=" + MARK + "-value", trusted.body());

        out(env, "curl -sS" + send + "\"https://secure.test/p?key=$API_KEY\"");
        out(env, "curl -sS" + send + "\"http://plain.test/p?key=$API_KEY\"");
        for (String host : List.of("secure.test", "plain.test")) {
            EgressUpstreams.Recorded untrusted = upstreams.to(host).get(0);
            assertEquals(placeholder, untrusted.header("x-key"), host + " gets the placeholder, unchanged");
            assertEquals("key=" + placeholder, untrusted.query());
            assertEquals("k=" + placeholder, untrusted.body());
        }

        // Nowhere inside the sandbox: environments of every process, the process list, every place files can be
        // written (the root file system is read-only) and the trust files bound in.
        // The search spells the secret in two halves, so its own command line does not hold it whole.
        String half = MARK.substring(0, 6);
        String rest = MARK.substring(6);
        // What it finds goes to a file first and is counted with the pattern read from stdin: no process then
        // running has the whole secret among its arguments.
        String inside = out(env, "a=" + half + "; b=" + rest + "; { for e in /proc/[0-9]*/environ; do"
                + " tr '\\0' '\\n' < \"$e\"; done; ps auxeww;"
                + " grep -rs \"$a$b\" /workspace /tmp /home /etc /run /opt /var; } > /dev/shm/scan 2>/dev/null;"
                + " printf %s \"$a$b\" | grep -c -F -f - /dev/shm/scan || true");
        assertEquals("0\n", inside);
    }

    @Test
    void anOauth2GrantIsExchangedCachedAndRefreshedOn401() {
        credential(Map.of("id", "egress-oauth", "type", "oauth2", "client_id", "wharf-test",
                "client_secret", MARK + "-client", "refresh_token", MARK + "-refresh",
                "token_url", "https://auth.test/token"));
        String env = environment(Map.of("allowlist", List.of(Map.of("domain", "secure.test", "credential",
                "egress-oauth"))), null);
        int before = upstreams.tokensIssued();
        assertEquals("welcome", out(env, "curl -sS https://secure.test/protected"));
        assertEquals("welcome", out(env, "curl -sS https://secure.test/protected"));
        assertEquals(before + 1, upstreams.tokensIssued(), "the access token is cached until it expires");
        EgressUpstreams.Recorded grant = upstreams.to("auth.test").get(0);
        assertTrue(grant.body().contains("grant_type=refresh_token"), grant.body());
        assertTrue(grant.body().contains(MARK + "-refresh"), "the proxy sent the refresh token");

        upstreams.revokeAccessToken();
        assertEquals("welcome", out(env, "curl -sS https://secure.test/protected"),
                "a 401 makes the proxy refresh the token and retry once");
        assertEquals(before + 2, upstreams.tokensIssued());
    }

    /**
     * An authorization server that rotates refresh tokens accepts only the newest one. The proxy uses the new one at
     * once and the control plane stores it in the credential: a proxy started afresh, which knows only what the
     * control plane tells it, still gets tokens.
     */
    @Test
    void aRotatedRefreshTokenIsKeptInTheCredential() throws Exception {
        String first = MARK + "-rotating";
        upstreams.rotateRefreshTokensFrom(first);
        credential(Map.of("id", "egress-rotating", "type", "oauth2", "client_id", "wharf-test",
                "client_secret", MARK + "-client", "refresh_token", first,
                "token_url", "https://auth.test/rotating-token"));
        String created = api().get("/v1/credentials/egress-rotating").then().statusCode(200)
                .extract().path("update_time");
        String env = environment(Map.of("allowlist", List.of(Map.of("domain", "secure.test", "credential",
                "egress-rotating"))), null);

        assertEquals("welcome", out(env, "curl -sS https://secure.test/protected"));
        String rotated = upstreams.newestRefreshToken();
        assertTrue(!rotated.equals(first), "the server rotated the refresh token");
        // Stored after the answer, so the credential's update time moves a moment later.
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (created.equals(api().get("/v1/credentials/egress-rotating").then().statusCode(200)
                .extract().path("update_time"))) {
            assertTrue(Instant.now().isBefore(deadline), "the rotated refresh token was not stored");
            EgressSandboxes.pause(100);
        }

        long pid = proxy.pid().orElseThrow();
        ProcessHandle running = ProcessHandle.of(pid).orElseThrow();
        running.destroyForcibly();
        running.onExit().get();
        deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (proxy.pid().filter(p -> p != pid).isEmpty() || !proxy.isReady()) {
            assertTrue(Instant.now().isBefore(deadline), "the proxy was not restarted");
            EgressSandboxes.pause(100);
        }
        upstreams.clear();
        assertEquals("welcome", out(env, "curl -sS https://secure.test/protected"),
                "a new proxy exchanges the stored, rotated refresh token");
        assertTrue(upstreams.to("auth.test").get(0).body().contains(rotated), "the grant used the rotated token");
    }

    @Test
    void anotherTenantsCredentialCannotBeNamed() {
        dev.wharf.support.Tenants.Created other = dev.wharf.support.Tenants.create("egress-credential-other");
        other.as().contentType(ContentType.JSON).body(Map.of("id", "egress-theirs", "type", "bearer_token",
                "token", MARK + "-theirs")).post("/v1/credentials").then().statusCode(200);
        var refused = api().body(Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "api.test",
                "credential", "egress-theirs"))))).post("/v1/environments").then();
        dev.wharf.support.Api.assertError(refused, 400, "INVALID_ARGUMENT");
    }
}
