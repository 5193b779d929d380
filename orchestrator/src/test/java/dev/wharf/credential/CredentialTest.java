package dev.wharf.credential;

import static dev.wharf.support.Api.assertError;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.support.LogCapture;
import dev.wharf.support.Tenants;
import dev.wharf.support.TestTenants;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.filter.Filter;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Credentials through the real HTTP API and a real PostgreSQL: CRUD on /v1 and /v1beta, every validation rule, the
 * update mask, revocation, tenant isolation and deletion, and the secrets themselves: never in an answer or a log
 * line, only sealed in the table, bound to their row, resolvable only through the service while active.
 * <p>
 * Every secret this test sends contains {@link #MARK}; after each test no answer and no log line may contain it.
 */
@QuarkusTest
@QuarkusTestResource(TestTenants.class)
class CredentialTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String MARK = "zqsecret" + Long.toHexString(new SecureRandom().nextLong());
    private static final Set<String> ANSWER_FIELDS = Set.of("id", "type", "status", "create_time", "update_time");

    @Inject
    CredentialService credentials;
    @Inject
    CredentialRepository repository;
    @Inject
    SecretsConfig secretsConfig;
    @Inject
    Clock clock;
    @Inject
    Pool pool;

    private final List<String> answers = new CopyOnWriteArrayList<>();
    private final Filter recorder = (request, response, context) -> {
        var answer = context.next(request, response);
        answers.add(answer.asString());
        return answer;
    };
    private final LogCapture log = new LogCapture();

    @BeforeEach
    void watch() {
        log.install();
    }

    @AfterEach
    void noSecretWasShownOrLogged() {
        log.uninstall();
        assertFalse(answers.isEmpty(), "the test made requests");
        for (String answer : answers) {
            assertFalse(answer.contains(MARK), () -> "an answer shows a secret: " + answer);
        }
        for (String line : log.lines()) {
            assertFalse(line.contains(MARK), () -> "a log line shows a secret: " + line);
        }
    }

    // ---- CRUD ------------------------------------------------------------------------------------------------

    @Test
    void crudOnBothVersionsAnswersOnlyTheContractsFields() {
        for (String version : List.of("v1", "v1beta")) {
            Tenants.Created tenant = Tenants.create("cred-crud-" + version);
            String base = "/" + version + "/credentials";
            Map<String, Object> created = json(as(tenant).body(bearer("github", secret("gh")))
                    .post(base).then().statusCode(200)
                    .body("id", equalTo("github")).body("type", equalTo("bearer_token"))
                    .body("status", equalTo("active")));
            assertEquals(ANSWER_FIELDS, created.keySet(), "create answers only the contract's fields");
            assertEquals(created.get("create_time"), created.get("update_time"));
            Instant.parse((String) created.get("create_time"));

            as(tenant).body(environmentVariable("openai", secret("oa"), "header")).post(base).then().statusCode(200)
                    .body("type", equalTo("environment_variable"));
            as(tenant).body(oauth2("drive", secret("cs"), secret("rt"))).post(base).then().statusCode(200)
                    .body("type", equalTo("oauth2"));

            Map<String, Object> read = json(as(tenant).get(base + "/github").then().statusCode(200));
            assertEquals(created, read, "get answers what create did");

            List<Map<String, Object>> listed = as(tenant).get(base).then().statusCode(200)
                    .extract().jsonPath().getList("credentials");
            assertEquals(List.of("drive", "openai", "github"), listed.stream().map(c -> c.get("id")).toList(),
                    "newest first");
            listed.forEach(item -> assertEquals(ANSWER_FIELDS, item.keySet()));

            Map<String, Object> updated = json(as(tenant).body(Map.of("token", secret("gh2")))
                    .queryParam("update_mask", "token").patch(base + "/github").then().statusCode(200)
                    .body("status", equalTo("active")));
            assertEquals(ANSWER_FIELDS, updated.keySet());
            assertEquals(created.get("create_time"), updated.get("create_time"));
            assertTrue(Instant.parse((String) updated.get("update_time"))
                    .isAfter(Instant.parse((String) created.get("update_time"))), "update_time moves");

            as(tenant).delete(base + "/github").then().statusCode(200).body(equalTo("{}"));
            assertError(as(tenant).get(base + "/github").then(), 404, "NOT_FOUND");
            assertError(as(tenant).delete(base + "/github").then(), 404, "NOT_FOUND");
            assertError(as(tenant).body(Map.of("token", "x")).patch(base + "/github").then(), 404, "NOT_FOUND");
        }
    }

    @Test
    void listsPageNewestFirst() {
        Tenants.Created tenant = Tenants.create("cred-pages");
        for (String id : List.of("a", "b", "c")) {
            as(tenant).body(bearer(id, secret(id))).post("/v1/credentials").then().statusCode(200);
        }
        var first = as(tenant).queryParam("page_size", 2).get("/v1/credentials").then().statusCode(200)
                .body("credentials.id", equalTo(List.of("c", "b"))).extract().jsonPath();
        String next = first.getString("next_page_token");
        as(tenant).queryParam("page_size", 2).queryParam("page_token", next).get("/v1/credentials").then()
                .statusCode(200).body("credentials.id", equalTo(List.of("a"))).body("next_page_token", equalTo(null));
        assertError(as(tenant).queryParam("page_token", "nonsense!").get("/v1/credentials").then(), 400,
                "INVALID_ARGUMENT");
        assertError(as(tenant).queryParam("page_size", "ten").get("/v1/credentials").then(), 400, "INVALID_ARGUMENT");
    }

    @Test
    void aTakenIdIsRefusedAsAFailedPreconditionNotAConflictTheSdkWouldRetry() {
        Tenants.Created tenant = Tenants.create("cred-taken");
        Tenants.Created other = Tenants.create("cred-taken-other");
        as(tenant).body(bearer("same", secret("one"))).post("/v1/credentials").then().statusCode(200);
        assertError(as(tenant).body(environmentVariable("same", secret("two"), "query")).post("/v1/credentials").then()
                .body("error.message", containsString("credential same already exists")), 400, "FAILED_PRECONDITION");
        as(tenant).get("/v1/credentials/same").then().body("type", equalTo("bearer_token"));
        as(other).body(bearer("same", secret("three"))).post("/v1/credentials").then().statusCode(200);
    }

    // ---- validation ------------------------------------------------------------------------------------------

    /** One refused create: what is wrong, and the field the message must name. */
    private record Refusal(String field, Map<String, Object> body) {
    }

    @Test
    void everyCreateRuleIsA400NamingTheFieldWithoutTheSecret() {
        Tenants.Created tenant = Tenants.create("cred-rules");
        String big = MARK + "x".repeat((int) secretsConfig.maxSize().asLongValue());
        List<Refusal> refusals = new ArrayList<>();
        // type and id
        refusals.add(new Refusal("type", without(bearer("t1", secret("v")), "type")));
        refusals.add(new Refusal("type", with(bearer("t1", secret("v")), "type", "ssh_key")));
        refusals.add(new Refusal("type", with(bearer("t1", secret("v")), "type", 5)));
        refusals.add(new Refusal("id", without(bearer("t1", secret("v")), "id")));
        refusals.add(new Refusal("id", with(bearer("t1", secret("v")), "id", 5)));
        refusals.add(new Refusal("id", with(bearer("t1", secret("v")), "id", "Upper")));
        refusals.add(new Refusal("id", with(bearer("t1", secret("v")), "id", "-leading")));
        refusals.add(new Refusal("id", with(bearer("t1", secret("v")), "id", "a/b")));
        refusals.add(new Refusal("id", with(bearer("t1", secret("v")), "id", "x".repeat(64))));
        refusals.add(new Refusal("status", with(bearer("t1", secret("v")), "status", "revoked")));
        refusals.add(new Refusal("trusted_domain", with(environmentVariable("t1", secret("v"), "header"),
                "trusted_domain", List.of("example.com"))));
        refusals.add(new Refusal("token", with(environmentVariable("t1", secret("v"), "header"), "token", secret("t"))));
        // environment_variable
        Map<String, Object> env = environmentVariable("e1", secret("v"), "header");
        refusals.add(new Refusal("value", without(env, "value")));
        refusals.add(new Refusal("value", with(env, "value", 5)));
        refusals.add(new Refusal("value", with(env, "value", "")));
        refusals.add(new Refusal("value", with(env, "value", big)));
        refusals.add(new Refusal("value", with(env, "value", MARK + "\n")));
        refusals.add(new Refusal("value", with(env, "value", " " + MARK)));
        refusals.add(new Refusal("value", with(with(env, "value", MARK + "\r\nX-Evil: 1"), "injection_location",
                List.of("query", "header"))));
        refusals.add(new Refusal("injection_location", without(env, "injection_location")));
        refusals.add(new Refusal("injection_location", with(env, "injection_location", "cookie")));
        refusals.add(new Refusal("injection_location", with(env, "injection_location", 5)));
        refusals.add(new Refusal("injection_location", with(env, "injection_location", List.of())));
        refusals.add(new Refusal("injection_location[1]", with(env, "injection_location", List.of("header", 5))));
        refusals.add(new Refusal("injection_location[0]", with(env, "injection_location", List.of("HEADER"))));
        refusals.add(new Refusal("trusted_domains", with(env, "trusted_domains", "example.com")));
        refusals.add(new Refusal("trusted_domains", with(env, "trusted_domains", List.of())));
        for (Object domain : List.of("https://example.com", "example.com:443", "example.com/path", "1.2.3.4",
                "[::1]", "::1", "*", "*.com", "a.*.example.com", "*example.com", "exa_mple.com", "-bad.example.com",
                "example.com.", "bücher.de", "", "a..b", "x".repeat(64) + ".com", 5)) {
            refusals.add(new Refusal("trusted_domains[1]", with(env, "trusted_domains", List.of("ok.example.com", domain))));
        }
        // bearer_token
        Map<String, Object> bearer = bearer("b1", secret("v"));
        refusals.add(new Refusal("token", without(bearer, "token")));
        refusals.add(new Refusal("token", with(bearer, "token", List.of(MARK))));
        refusals.add(new Refusal("token", with(bearer, "token", "")));
        refusals.add(new Refusal("token", with(bearer, "token", MARK + "\n")));
        refusals.add(new Refusal("token", with(bearer, "token", MARK + "\u00e9")));
        refusals.add(new Refusal("token", with(bearer, "token", big)));
        for (Object name : List.of("X Api Key", "X-Api-Key:", "", "Host", "content-length", "Transfer-Encoding",
                "Proxy-Authorization", "X-Ä", 5)) {
            refusals.add(new Refusal("header_name", with(bearer, "header_name", name)));
        }
        for (Object prefix : List.of(" Bearer", "Bearer ", "Bear\ter", "Bear\u00e9r", 5)) {
            refusals.add(new Refusal("prefix", with(bearer, "prefix", prefix)));
        }
        // oauth2
        Map<String, Object> oauth = oauth2("o1", secret("cs"), secret("rt"));
        for (String required : List.of("client_id", "client_secret", "refresh_token", "token_url")) {
            refusals.add(new Refusal(required, without(oauth, required)));
            refusals.add(new Refusal(required, with(oauth, required, 5)));
        }
        refusals.add(new Refusal("client_id", with(oauth, "client_id", "")));
        refusals.add(new Refusal("client_id", with(oauth, "client_id", "id\nx")));
        refusals.add(new Refusal("client_secret", with(oauth, "client_secret", "")));
        refusals.add(new Refusal("refresh_token", with(oauth, "refresh_token", big)));
        for (String url : List.of("http://auth.example.com/token", "ftp://auth.example.com/token", "auth.example.com/token",
                "/token", "https:///token", "https://user:" + MARK + "@auth.example.com/token",
                "https://auth.example.com/token#x", "http://127.0.0.1.example.com/t", "http://172.17.0.1/t",
                "https://auth.example.com/to ken", "https://auth.example.com/\u202Etoken")) {
            refusals.add(new Refusal("token_url", with(oauth, "token_url", url)));
        }
        refusals.add(new Refusal("scopes", with(oauth, "scopes", "read write")));
        refusals.add(new Refusal("scopes[0]", with(oauth, "scopes", List.of("read write"))));
        refusals.add(new Refusal("scopes[1]", with(oauth, "scopes", List.of("read", 5))));
        refusals.add(new Refusal("scopes[0]", with(oauth, "scopes", List.of("a\"b"))));

        for (Refusal refusal : refusals) {
            String message = as(tenant).body(refusal.body()).post("/v1/credentials").then()
                    .statusCode(400).body("error.code", equalTo(400)).body("error.status", equalTo("INVALID_ARGUMENT"))
                    .extract().path("error.message");
            assertTrue(message.startsWith(refusal.field() + " ") || message.contains(" " + refusal.field() + " ")
                            || message.contains(refusal.field() + ","),
                    () -> refusal.field() + " not named in: " + message + " (body " + refusal.body().keySet() + ")");
        }
        // Nothing was half-created by any of them.
        as(tenant).get("/v1/credentials").then().statusCode(200).body("credentials.size()", equalTo(0));
        assertEquals(0, count("SELECT count(*) FROM credential WHERE tenant_id = $1", tenant.id()));
    }

    @Test
    void bodiesThatAreNotACredentialAreRefusedWithoutEchoingThem() {
        Tenants.Created tenant = Tenants.create("cred-bodies");
        assertError(as(tenant).post("/v1/credentials").then(), 400, "INVALID_ARGUMENT");
        assertError(as(tenant).body("[]").post("/v1/credentials").then(), 400, "INVALID_ARGUMENT");
        // A typo next to a secret: the parser's message must not quote what it found.
        for (String body : List.of(
                "{\"type\": \"bearer_token\", \"id\": \"x\", \"token\": " + MARK + "_live_abc}",
                "{\"type\": \"bearer_token\", \"id\": \"x\", \"token\": \"" + MARK + "\\q\"}",
                "{\"type\": \"bearer_token\", \"id\": \"x\", \"token\": \"" + MARK + "\" " + MARK + "}",
                "{\"type\": \"bearer_token\", \"id\": \"x\", \"token\": '" + MARK + "'}")) {
            assertError(as(tenant).body(body).post("/v1/credentials").then()
                    .body("error.message", containsString("line 1")), 400, "INVALID_ARGUMENT");
        }
        assertEquals(0, count("SELECT count(*) FROM credential WHERE tenant_id = $1", tenant.id()));
    }

    @Test
    void validValuesAreNormalisedAndResolveAsConfigured() throws Throwable {
        Tenants.Created tenant = Tenants.create("cred-valid");
        String value = secret("multi\nline value for a body");
        Map<String, Object> env = with(environmentVariable("openai", value, "body"), "trusted_domains",
                List.of("API.Example.com", "*.example.org", "api.example.com"));
        as(tenant).body(env).post("/v1/credentials").then().statusCode(200);
        var resolved = assertInstanceOf(ResolvedCredential.EnvironmentVariable.class, resolve(tenant.id(), "openai"));
        assertEquals(value, resolved.value().reveal());
        assertEquals(Set.of(InjectionLocation.BODY), resolved.injectionLocations());
        assertEquals(Optional.of(List.of("api.example.com", "*.example.org")), resolved.trustedDomains(),
                "lower-cased, duplicates dropped");
        assertTrue(resolved.trusts("api.example.com"));
        assertTrue(resolved.trusts("API.EXAMPLE.COM."));
        assertTrue(resolved.trusts("a.b.example.org"));
        assertFalse(resolved.trusts("example.org"), "a wildcard covers names below the domain, not the domain");
        assertFalse(resolved.trusts("evil-example.org"));
        assertFalse(resolved.trusts("api.example.com.evil.net"));
        assertEquals("(secret)", resolved.value().toString());
        assertFalse(resolved.toString().contains(MARK), "a resolved credential never prints its secret");

        as(tenant).body(with(environmentVariable("everywhere", secret("e"), "header"), "injection_location",
                List.of("header", "query", "body", "query"))).post("/v1/credentials").then().statusCode(200);
        var everywhere = (ResolvedCredential.EnvironmentVariable) resolve(tenant.id(), "everywhere");
        assertEquals(Set.of(InjectionLocation.values()), everywhere.injectionLocations());
        assertEquals(Optional.empty(), everywhere.trustedDomains());
        assertTrue(everywhere.trusts("anything.example"), "no trusted_domains: the allowlist decides");

        String token = secret("tok");
        as(tenant).body(bearer("gh", token)).post("/v1/credentials").then().statusCode(200);
        var gh = assertInstanceOf(ResolvedCredential.BearerToken.class, resolve(tenant.id(), "gh"));
        assertEquals("Authorization", gh.headerName());
        assertEquals("Bearer " + token, gh.headerValue().reveal());
        as(tenant).body(with(with(bearer("raw", token), "header_name", "X-Api-Key"), "prefix", ""))
                .post("/v1/credentials").then().statusCode(200);
        var raw = (ResolvedCredential.BearerToken) resolve(tenant.id(), "raw");
        assertEquals("X-Api-Key", raw.headerName());
        assertEquals(token, raw.headerValue().reveal(), "an empty prefix sends the token alone");

        String clientSecret = secret("cs");
        String refreshToken = secret("rt");
        for (String url : List.of("https://oauth2.googleapis.com/token", "http://localhost:8080/token",
                "http://127.0.0.1/token", "http://[::1]:9999/t", "HTTPS://Auth.Example.com/t?audience=x")) {
            String id = "o" + Math.abs(url.hashCode());
            as(tenant).body(with(with(oauth2(id, clientSecret, refreshToken), "token_url", url), "scopes",
                    List.of("https://www.googleapis.com/auth/drive", "openid"))).post("/v1/credentials")
                    .then().statusCode(200);
            var oauth = assertInstanceOf(ResolvedCredential.OAuth2.class, resolve(tenant.id(), id));
            assertEquals("client-123", oauth.clientId());
            assertEquals(clientSecret, oauth.clientSecret().reveal());
            assertEquals(refreshToken, oauth.refreshToken().reveal());
            assertEquals(url, oauth.tokenUrl().toString());
            assertEquals(List.of("https://www.googleapis.com/auth/drive", "openid"), oauth.scopes());
        }
        // Secrets may be anything storable, up to the limit exactly.
        String largest = MARK + "y".repeat((int) secretsConfig.maxSize().asLongValue() - MARK.length());
        as(tenant).body(environmentVariable("largest", largest, "header")).post("/v1/credentials").then().statusCode(200);
        assertEquals(largest, ((ResolvedCredential.EnvironmentVariable) resolve(tenant.id(), "largest")).value().reveal());
        assertEquals(Optional.empty(), resolveOptional(tenant.id(), "no-such"));
        assertEquals(Optional.empty(), resolveOptional(tenant.id(), "Not An Id"));
    }

    // ---- update ----------------------------------------------------------------------------------------------

    @Test
    void anUpdateChangesOnlyWhatItsMaskNames() throws Throwable {
        Tenants.Created tenant = Tenants.create("cred-mask");
        String token = secret("first");
        as(tenant).body(with(bearer("gh", token), "prefix", "token")).post("/v1/credentials").then().statusCode(200);

        // Masked: header_name changes, the prefix sent alongside does not.
        as(tenant).queryParam("update_mask", "header_name").body(Map.of("header_name", "X-Token", "prefix", "Nope"))
                .patch("/v1/credentials/gh").then().statusCode(200);
        var after = (ResolvedCredential.BearerToken) resolve(tenant.id(), "gh");
        assertEquals("X-Token", after.headerName());
        assertEquals("token " + token, after.headerValue().reveal());

        // No mask: the fields in the body; id and type may be sent as they are.
        as(tenant).body(Map.of("id", "gh", "type", "bearer_token", "prefix", "")).patch("/v1/credentials/gh").then()
                .statusCode(200);
        assertEquals(token, ((ResolvedCredential.BearerToken) resolve(tenant.id(), "gh")).headerValue().reveal());

        // A masked field left out of the body returns to its default; the mask may be written in camelCase.
        as(tenant).queryParam("update_mask", "prefix, headerName").body(Map.of()).patch("/v1/credentials/gh").then()
                .statusCode(200);
        var defaults = (ResolvedCredential.BearerToken) resolve(tenant.id(), "gh");
        assertEquals("Authorization", defaults.headerName());
        assertEquals("Bearer " + token, defaults.headerValue().reveal());

        // Rotating the secret.
        String rotated = secret("second");
        as(tenant).queryParam("update_mask", "token").body(Map.of("token", rotated)).patch("/v1/credentials/gh").then()
                .statusCode(200).body("status", equalTo("active"));
        assertEquals("Bearer " + rotated, ((ResolvedCredential.BearerToken) resolve(tenant.id(), "gh")).headerValue().reveal());

        // environment_variable: trusted_domains set, then cleared by naming it without a value.
        as(tenant).body(environmentVariable("env", secret("v"), "header")).post("/v1/credentials").then().statusCode(200);
        as(tenant).body(Map.of("trusted_domains", List.of("Api.Example.com"))).patch("/v1/credentials/env").then()
                .statusCode(200);
        assertEquals(Optional.of(List.of("api.example.com")),
                ((ResolvedCredential.EnvironmentVariable) resolve(tenant.id(), "env")).trustedDomains());
        as(tenant).queryParam("update_mask", "trusted_domains").body(Map.of()).patch("/v1/credentials/env").then()
                .statusCode(200);
        assertEquals(Optional.empty(), ((ResolvedCredential.EnvironmentVariable) resolve(tenant.id(), "env")).trustedDomains());

        // oauth2: several fields at once; the others keep their values.
        String clientSecret = secret("cs");
        String refreshToken = secret("rt");
        as(tenant).body(oauth2("drive", clientSecret, refreshToken)).post("/v1/credentials").then().statusCode(200);
        String newRefresh = secret("rt2");
        as(tenant).queryParam("update_mask", "refresh_token,scopes")
                .body(Map.of("refresh_token", newRefresh, "scopes", List.of("openid"))).patch("/v1/credentials/drive")
                .then().statusCode(200);
        var drive = (ResolvedCredential.OAuth2) resolve(tenant.id(), "drive");
        assertEquals(clientSecret, drive.clientSecret().reveal());
        assertEquals(newRefresh, drive.refreshToken().reveal());
        assertEquals(List.of("openid"), drive.scopes());
        assertEquals("client-123", drive.clientId());
    }

    @Test
    void aValueMovesIntoHeadersOnlyWhenItCanTravelInOne() throws Throwable {
        Tenants.Created tenant = Tenants.create("cred-headers");
        String multiLine = secret("line one\nline two");
        as(tenant).body(environmentVariable("pem", multiLine, "body")).post("/v1/credentials").then().statusCode(200);
        assertError(as(tenant).body(Map.of("injection_location", List.of("body", "header"))).patch("/v1/credentials/pem")
                .then().body("error.message", containsString("value must be printable ASCII")), 400, "INVALID_ARGUMENT");
        assertEquals(Set.of(InjectionLocation.BODY),
                ((ResolvedCredential.EnvironmentVariable) resolve(tenant.id(), "pem")).injectionLocations());
        // Both at once is fine when the new value can.
        String single = secret("single");
        as(tenant).body(Map.of("injection_location", "header", "value", single)).patch("/v1/credentials/pem").then()
                .statusCode(200);
        // And back: a header-bound credential cannot take a multi-line value without leaving headers.
        assertError(as(tenant).body(Map.of("value", multiLine)).patch("/v1/credentials/pem").then(), 400,
                "INVALID_ARGUMENT");
        as(tenant).body(Map.of("value", multiLine, "injection_location", "query")).patch("/v1/credentials/pem").then()
                .statusCode(200);
        assertEquals(multiLine, ((ResolvedCredential.EnvironmentVariable) resolve(tenant.id(), "pem")).value().reveal());
    }

    @Test
    void everyUpdateRuleIsA400NamingTheField() {
        Tenants.Created tenant = Tenants.create("cred-update-rules");
        as(tenant).body(environmentVariable("env", secret("v"), "header")).post("/v1/credentials").then().statusCode(200);
        Object[][] cases = {
                {"id", Map.of("id", "other"), "id"},
                {"type", Map.of("type", "x"), "type"},
                {"create_time", Map.of(), "create_time"},
                {"update_time", Map.of(), "update_time"},
                {"nosuch", Map.of("nosuch", 1), "nosuch"},
                {"token", Map.of("token", secret("t")), "token"},
                {"value,token", Map.of("value", secret("t")), "token"},
                {"value", Map.of(), "value"},
                {"value", Map.of("value", 5), "value"},
                {"injection_location", Map.of(), "injection_location"},
                {"status", Map.of("status", "paused"), "status"},
                {"status", Map.of(), "status"},
                {null, Map.of("id", "other"), "id"},
                {null, Map.of("type", "bearer_token"), "type"},
                {null, Map.of("nosuch", 1), "nosuch"},
                {null, Map.of("token", secret("t")), "token"},
                {null, Map.of("value", ""), "value"},
                {null, Map.of("trusted_domains", List.of("*")), "trusted_domains[0]"},
                {null, Map.of("injection_location", "everywhere"), "injection_location"},
                {null, Map.of(), "nothing to update"},
                {null, Map.of("create_time", "2020-01-01T00:00:00Z"), "nothing to update"},
                {"", Map.of(), "nothing to update"},
        };
        for (Object[] c : cases) {
            RequestSpecification request = as(tenant).body(c[1]);
            if (c[0] != null) {
                request.queryParam("update_mask", c[0]);
            }
            String message = request.patch("/v1/credentials/env").then().statusCode(400)
                    .body("error.status", equalTo("INVALID_ARGUMENT")).extract().path("error.message");
            assertTrue(message.contains((String) c[2]), () -> c[0] + " " + c[1] + ": " + c[2] + " not in " + message);
        }
        // Refused before the credential is read: a malformed mask on an unknown credential is still about the mask.
        assertError(as(tenant).queryParam("update_mask", "id").body(Map.of()).patch("/v1/credentials/missing").then(),
                400, "INVALID_ARGUMENT");
        assertError(as(tenant).queryParam("update_mask", "status").body(Map.of("status", "revoked"))
                .patch("/v1/credentials/missing").then(), 404, "NOT_FOUND");
        assertError(as(tenant).body(Map.of("status", "revoked")).patch("/v1/credentials/Not%20An%20Id").then(), 404,
                "NOT_FOUND");
    }

    // ---- revocation and deletion -----------------------------------------------------------------------------

    @Test
    void revokingStopsResolutionForGood() throws Throwable {
        Tenants.Created tenant = Tenants.create("cred-revoke");
        as(tenant).body(bearer("gh", secret("tok"))).post("/v1/credentials").then().statusCode(200);
        assertTrue(resolveOptional(tenant.id(), "gh").isPresent());

        as(tenant).queryParam("update_mask", "status").body(Map.of("status", "revoked")).patch("/v1/credentials/gh")
                .then().statusCode(200).body("status", equalTo("revoked"));
        assertEquals(Optional.empty(), resolveOptional(tenant.id(), "gh"));
        as(tenant).get("/v1/credentials/gh").then().statusCode(200).body("status", equalTo("revoked"));
        as(tenant).get("/v1/credentials").then().body("credentials[0].status", equalTo("revoked"));

        // Revoking again changes nothing; coming back, or any other change, is refused.
        String revokedAt = as(tenant).get("/v1/credentials/gh").then().extract().path("update_time");
        as(tenant).body(Map.of("status", "revoked")).patch("/v1/credentials/gh").then().statusCode(200)
                .body("update_time", equalTo(revokedAt));
        assertError(as(tenant).body(Map.of("status", "active")).patch("/v1/credentials/gh").then()
                .body("error.message", containsString("revocation is final")), 400, "FAILED_PRECONDITION");
        assertError(as(tenant).body(Map.of("token", secret("new"), "status", "active")).patch("/v1/credentials/gh")
                .then().body("error.message", containsString("revocation is final")), 400, "FAILED_PRECONDITION");
        assertError(as(tenant).body(Map.of("token", secret("new"))).patch("/v1/credentials/gh").then()
                .body("error.message", containsString("can no longer be changed")), 400, "FAILED_PRECONDITION");
        assertEquals(Optional.empty(), resolveOptional(tenant.id(), "gh"));

        // Deleting it frees the id; a new credential under it is active.
        as(tenant).delete("/v1/credentials/gh").then().statusCode(200);
        String fresh = secret("fresh");
        as(tenant).body(bearer("gh", fresh)).post("/v1/credentials").then().statusCode(200).body("status", equalTo("active"));
        assertEquals("Bearer " + fresh, ((ResolvedCredential.BearerToken) resolve(tenant.id(), "gh")).headerValue().reveal());
    }

    @Test
    void deletingStopsResolution() throws Throwable {
        Tenants.Created tenant = Tenants.create("cred-delete");
        as(tenant).body(oauth2("drive", secret("cs"), secret("rt"))).post("/v1/credentials").then().statusCode(200);
        assertTrue(resolveOptional(tenant.id(), "drive").isPresent());
        as(tenant).delete("/v1beta/credentials/drive").then().statusCode(200).body(equalTo("{}"));
        assertEquals(Optional.empty(), resolveOptional(tenant.id(), "drive"));
        assertEquals(0, count("SELECT count(*) FROM credential WHERE tenant_id = $1", tenant.id()));
    }

    // ---- tenants ---------------------------------------------------------------------------------------------

    @Test
    void anotherTenantsCredentialIsNotFoundExactlyLikeAMissingOne() throws Throwable {
        Tenants.Created owner = Tenants.create("cred-owner");
        Tenants.Created stranger = Tenants.create("cred-stranger");
        as(owner).body(bearer("private", secret("mine"))).post("/v1/credentials").then().statusCode(200);
        as(stranger).body(bearer("theirs", secret("theirs"))).post("/v1/credentials").then().statusCode(200);

        String missing = as(stranger).get("/v1/credentials/absent").then().statusCode(404).extract().path("error.message");
        for (ValidatableResponse response : List.of(
                as(stranger).get("/v1/credentials/private").then(),
                as(stranger).body(Map.of("status", "revoked")).patch("/v1/credentials/private").then(),
                as(stranger).delete("/v1/credentials/private").then())) {
            assertError(response, 404, "NOT_FOUND");
            assertEquals(missing.replace("absent", "private"), response.extract().path("error.message"));
        }
        as(stranger).get("/v1/credentials").then().body("credentials.id", equalTo(List.of("theirs")));
        as(owner).get("/v1/credentials").then().body("credentials.id", equalTo(List.of("private")));
        assertEquals(Optional.empty(), resolveOptional(stranger.id(), "private"));
        as(owner).get("/v1/credentials/private").then().statusCode(200).body("status", equalTo("active"));
        assertTrue(resolveOptional(owner.id(), "private").isPresent());
    }

    @Test
    void deletingATenantDeletesItsCredentials() throws Throwable {
        Tenants.Created doomed = Tenants.create("cred-doomed");
        Tenants.Created bystander = Tenants.create("cred-bystander");
        as(doomed).body(bearer("gh", secret("a"))).post("/v1/credentials").then().statusCode(200);
        as(doomed).body(environmentVariable("env", secret("b"), "query")).post("/v1/credentials").then().statusCode(200);
        as(bystander).body(bearer("gh", secret("c"))).post("/v1/credentials").then().statusCode(200);

        Tenants.admin().delete("/admin/v1/tenants/" + doomed.id()).then().statusCode(200);

        assertEquals(0, count("SELECT count(*) FROM credential WHERE tenant_id = $1", doomed.id()));
        assertEquals(Optional.empty(), resolveOptional(doomed.id(), "gh"));
        assertEquals(1, count("SELECT count(*) FROM credential WHERE tenant_id = $1", bystander.id()));
        assertTrue(resolveOptional(bystander.id(), "gh").isPresent());
    }

    // ---- at rest ---------------------------------------------------------------------------------------------

    @Test
    void theTableHoldsSecretsOnlySealed() {
        Tenants.Created tenant = Tenants.create("cred-at-rest");
        as(tenant).body(environmentVariable("env", secret("value"), "header")).post("/v1/credentials").then().statusCode(200);
        as(tenant).body(bearer("gh", secret("token"))).post("/v1/credentials").then().statusCode(200);
        as(tenant).body(oauth2("drive", secret("client"), secret("refresh"))).post("/v1/credentials").then()
                .statusCode(200);
        as(tenant).queryParam("update_mask", "token").body(Map.of("token", secret("rotated"))).patch("/v1/credentials/gh")
                .then().statusCode(200);

        List<Row> rows = new ArrayList<>();
        pool.preparedQuery("SELECT c::text AS whole, settings::text AS settings, value_sealed, token_sealed,"
                        + " client_secret_sealed, refresh_token_sealed FROM credential c WHERE tenant_id = $1")
                .execute(Tuple.of(tenant.id())).await().atMost(PATIENCE).forEach(rows::add);
        assertEquals(3, rows.size());
        byte[] mark = MARK.getBytes(StandardCharsets.UTF_8);
        String markHex = HexFormat.of().formatHex(mark);
        int sealedValues = 0;
        for (Row row : rows) {
            assertFalse(row.getString("whole").contains(MARK), row.getString("whole"));
            assertFalse(row.getString("whole").contains(markHex), "not even hex-encoded");
            assertFalse(row.getString("settings").contains(MARK));
            for (String column : List.of("value_sealed", "token_sealed", "client_secret_sealed", "refresh_token_sealed")) {
                var sealed = row.getBuffer(column);
                if (sealed != null) {
                    sealedValues++;
                    byte[] bytes = sealed.getBytes();
                    assertFalse(new String(bytes, StandardCharsets.ISO_8859_1).contains(MARK), column);
                    assertEquals(SealedSecret.FORMAT, bytes[0], column);
                    assertEquals(secretsConfig.keyId(), SealedSecret.keyIdOf(bytes), column);
                }
            }
        }
        assertEquals(4, sealedValues, "value, token, client_secret and refresh_token, each sealed");
    }

    @Test
    void aSealedSecretOpensOnlyInTheRowAndFieldItWasWrittenFor() throws Throwable {
        Tenants.Created first = Tenants.create("cred-bound-a");
        Tenants.Created second = Tenants.create("cred-bound-b");
        as(first).body(bearer("gh", secret("first"))).post("/v1/credentials").then().statusCode(200);
        as(first).body(bearer("gl", secret("first-gl"))).post("/v1/credentials").then().statusCode(200);
        as(second).body(bearer("gh", secret("second"))).post("/v1/credentials").then().statusCode(200);
        as(second).body(oauth2("drive", secret("cs"), secret("rt"))).post("/v1/credentials").then().statusCode(200);

        // Into another tenant's row of the same id, and into another credential of the same tenant.
        execute("UPDATE credential SET token_sealed = (SELECT token_sealed FROM credential WHERE tenant_id = $1"
                + " AND id = 'gh') WHERE tenant_id = $2 AND id = 'gh'", first.id(), second.id());
        execute("UPDATE credential SET token_sealed = (SELECT token_sealed FROM credential WHERE tenant_id = $1"
                + " AND id = 'gh') WHERE tenant_id = $1 AND id = 'gl'", first.id());
        // Into the other secret field of the same row.
        execute("UPDATE credential SET client_secret_sealed = refresh_token_sealed WHERE tenant_id = $1"
                + " AND id = 'drive'", second.id());

        for (String[] moved : new String[][] {{second.id(), "gh", "token"}, {first.id(), "gl", "token"},
                {second.id(), "drive", "client_secret"}}) {
            Throwable failure = assertThrows(Throwable.class, () -> resolve(moved[0], moved[1]));
            SecretUnreadableException unreadable = assertInstanceOf(SecretUnreadableException.class, rootOf(failure));
            assertTrue(unreadable.getMessage().startsWith("the " + moved[2] + " of credential " + moved[1]
                    + " of tenant " + moved[0] + " cannot be decrypted"), unreadable.getMessage());
        }
        assertTrue(log.lines().stream().anyMatch(line -> line.contains("credential gh of tenant " + second.id()
                + " cannot be decrypted")), "the failure is logged as an error");
        // The untouched original still opens.
        assertTrue(resolveOptional(first.id(), "gh").isPresent());
    }

    @Test
    void aControlPlaneWithAnotherKeyFailsLoudlyInsteadOfReturningGarbage() throws Throwable {
        Tenants.Created tenant = Tenants.create("cred-other-key");
        as(tenant).body(bearer("gh", secret("tok"))).post("/v1/credentials").then().statusCode(200);
        byte[] otherKey = new byte[32];
        new SecureRandom().nextBytes(otherKey);
        CredentialService elsewhere = new CredentialService(repository,
                new SecretsKey(config(Base64.getEncoder().encodeToString(otherKey), secretsConfig.keyId())),
                secretsConfig, clock);
        Throwable failure = assertThrows(Throwable.class,
                () -> VertxContextSupport.subscribeAndAwait(() -> elsewhere.resolve(tenant.id(), "gh")));
        SecretUnreadableException unreadable = assertInstanceOf(SecretUnreadableException.class, rootOf(failure));
        assertTrue(unreadable.getMessage().contains("wharf.secrets.key is not the key it was sealed with"),
                unreadable.getMessage());
        // Checked at start too, against the most recently written credential: this one.
        assertEquals(Optional.empty(), VertxContextSupport.subscribeAndAwait(() -> credentials.keyProblem()));
        String problem = VertxContextSupport.subscribeAndAwait(() -> elsewhere.keyProblem()).orElseThrow();
        assertTrue(problem.startsWith("the credential gh of tenant " + tenant.id() + " does not decrypt"), problem);

        CredentialService rotated = new CredentialService(repository,
                new SecretsKey(config(Base64.getEncoder().encodeToString(otherKey), secretsConfig.keyId() + 1)),
                secretsConfig, clock);
        Throwable unknownId = assertThrows(Throwable.class,
                () -> VertxContextSupport.subscribeAndAwait(() -> rotated.resolve(tenant.id(), "gh")));
        assertTrue(rootOf(unknownId).getMessage().contains("sealed with key id " + secretsConfig.keyId()),
                rootOf(unknownId).getMessage());
        // The API itself never opens a secret, so it keeps answering.
        as(tenant).get("/v1/credentials/gh").then().statusCode(200).body("status", equalTo("active"))
                .body(not(containsString(MARK)));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private RequestSpecification as(Tenants.Created tenant) {
        return tenant.as().filter(recorder).contentType(ContentType.JSON);
    }

    /** A secret value recognisable anywhere it might leak. */
    private static String secret(String what) {
        return MARK + "-" + what;
    }

    private static Map<String, Object> bearer(String id, String token) {
        return new LinkedHashMap<>(Map.of("type", "bearer_token", "id", id, "token", token));
    }

    private static Map<String, Object> environmentVariable(String id, String value, Object injectionLocation) {
        return new LinkedHashMap<>(Map.of("type", "environment_variable", "id", id, "value", value,
                "injection_location", injectionLocation));
    }

    private static Map<String, Object> oauth2(String id, String clientSecret, String refreshToken) {
        return new LinkedHashMap<>(Map.of("type", "oauth2", "id", id, "client_id", "client-123",
                "client_secret", clientSecret, "refresh_token", refreshToken,
                "token_url", "https://auth.example.com/token"));
    }

    private static Map<String, Object> with(Map<String, Object> body, String field, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(body);
        changed.put(field, value);
        return changed;
    }

    private static Map<String, Object> without(Map<String, Object> body, String field) {
        Map<String, Object> changed = new LinkedHashMap<>(body);
        changed.remove(field);
        return changed;
    }

    private static Map<String, Object> json(ValidatableResponse response) {
        return new JsonObject(response.extract().asString()).getMap();
    }

    private ResolvedCredential resolve(String tenantId, String id) throws Throwable {
        return resolveOptional(tenantId, id).orElseThrow(() -> new AssertionError(id + " did not resolve"));
    }

    private Optional<ResolvedCredential> resolveOptional(String tenantId, String id) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> credentials.resolve(tenantId, id));
    }

    private static Throwable rootOf(Throwable failure) {
        Throwable cause = failure;
        while (!(cause instanceof SecretUnreadableException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private long count(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(PATIENCE).iterator().next().getLong(0);
    }

    private void execute(String sql, Object... args) {
        assertEquals(1, pool.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(PATIENCE).rowCount(), sql);
    }

    private static SecretsConfig config(String key, int keyId) {
        return new SecretsConfig() {
            @Override
            public Optional<String> key() {
                return Optional.of(key);
            }

            @Override
            public int keyId() {
                return keyId;
            }

            @Override
            public String keyFile() {
                throw new AssertionError("a configured key needs no file");
            }

            @Override
            public MemorySize maxSize() {
                return new MemorySize(BigInteger.valueOf(16 * 1024));
            }
        };
    }
}
