package dev.wharf.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.support.TestTenants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Sends every route of the public and admin API bodies, ids and parameters it must refuse, and checks what a client
 * sees: a 4xx in the contract's envelope (code equal to the HTTP status, a google.rpc status, a message without
 * class names), never a 5xx and never a hang. Each case is one row of a table; nothing here needs a sandbox, because
 * every refusal happens before one would be used.
 */
@QuarkusTest
@QuarkusTestResource(TestTenants.class)
class ApiInputSweepTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final Set<String> RPC_CODES = Set.of("INVALID_ARGUMENT", "FAILED_PRECONDITION", "UNAUTHENTICATED",
            "PERMISSION_DENIED", "NOT_FOUND", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "UNAVAILABLE", "INTERNAL");
    /** Well-formed ids that name nothing, so body checks are reached and id checks are not. */
    private static final String ENV = "env_" + "a".repeat(26);
    private static final String WHK = "whk_" + "a".repeat(26);
    private static final String TWO_TO_THE_63 = "9223372036854775808";
    private static final String THIRTY_DIGITS = "123456789012345678901234567890";
    /** A tenant id that must never come to exist: every create in this class that uses it is refused. */
    private static final String REFUSED_TENANT = "sweep-refused";
    private static final String REFUSED_AGENT = "sweep-refused-agent";
    private static final String REFUSED_CREDENTIAL = "sweep-refused-credential";
    /** A well-formed credential id that names nothing. */
    private static final String CREDENTIAL = "sweep-credential";

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TestHTTPResource("/")
    URL base;

    /** A route that takes a JSON body, with whose key it is called. */
    record BodyRoute(String method, String path, boolean admin) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** One request, the status it must get and, where the refusal is about one field, the field it must name. */
    record Case(String name, String method, String path, boolean admin, byte[] body, int expected, String field) {
        Case(String name, String method, String path, boolean admin, byte[] body, int expected) {
            this(name, method, path, admin, body, expected, null);
        }
    }

    private static final List<BodyRoute> BODY_ROUTES = List.of(
            new BodyRoute("POST", "/v1/interactions", false),
            new BodyRoute("POST", "/v1/environments", false),
            new BodyRoute("POST", "/v1/environments/" + ENV + ":exec", false),
            new BodyRoute("PATCH", "/v1/environments/" + ENV, false),
            new BodyRoute("POST", "/v1/agents", false),
            new BodyRoute("POST", "/v1/webhooks", false),
            new BodyRoute("PATCH", "/v1/webhooks/" + WHK, false),
            new BodyRoute("POST", "/v1/credentials", false),
            new BodyRoute("PATCH", "/v1/credentials/" + CREDENTIAL, false),
            new BodyRoute("POST", "/admin/v1/tenants", true),
            new BodyRoute("PATCH", "/admin/v1/tenants/default", true),
            new BodyRoute("POST", "/admin/v1/tenants/default/keys", true),
            new BodyRoute("PUT", "/admin/v1/tenants/default/budget", true));

    /** Bodies no route may accept: not JSON, not UTF-8, not an object, or beyond the reader's bounds. */
    private static List<Object[]> malformedBodies() {
        List<Object[]> bodies = new ArrayList<>();
        bodies.add(new Object[] {"truncated", utf8("{\"name\": \"x\", ")});
        bodies.add(new Object[] {"top-level array", utf8("[{\"name\": \"x\"}]")});
        bodies.add(new Object[] {"top-level string", utf8("\"x\"")});
        bodies.add(new Object[] {"top-level number", utf8("42")});
        bodies.add(new Object[] {"two objects", utf8("{}{}")});
        bodies.add(new Object[] {"depth 2000", utf8("{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}")});
        bodies.add(new Object[] {"byte order mark", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8("{}"))});
        bodies.add(new Object[] {"UTF-16", "{\"name\": \"x\"}".getBytes(StandardCharsets.UTF_16)});
        bodies.add(new Object[] {"UTF-16LE without BOM", "{\"name\": \"x\"}".getBytes(StandardCharsets.UTF_16LE)});
        bodies.add(new Object[] {"raw NUL byte", concat(utf8("{\"name\": \"a"), new byte[] {0}, utf8("b\"}"))});
        bodies.add(new Object[] {"invalid UTF-8", concat(utf8("{\"name\": \"a"), new byte[] {(byte) 0xFF, (byte) 0xFE}, utf8("\"}"))});
        bodies.add(new Object[] {"number of 100 digits", utf8("{\"name\": " + "9".repeat(100) + "}")});
        bodies.add(new Object[] {"duplicate key", utf8("{\"name\": \"a\", \"name\": \"b\"}")});
        bodies.add(new Object[] {"escaped NUL in a field name", utf8("{\"na\\u0000me\": \"x\"}")});
        bodies.add(new Object[] {"escaped NUL in a value", utf8("{\"name\": \"a\\u0000b\", \"id\": \"a\\u0000b\"}")});
        bodies.add(new Object[] {"lone high surrogate", utf8("{\"name\": \"a\\ud800b\", \"id\": \"a\\ud800\"}")});
        bodies.add(new Object[] {"lone low surrogate", utf8("{\"name\": \"\\udc00\", \"id\": \"\\udc00\"}")});
        bodies.add(new Object[] {"encoded surrogate (CESU-8)", concat(utf8("{\"name\": \""),
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, utf8("\"}"))});
        bodies.add(new Object[] {"1e400", utf8("{\"name\": 1e400}")});
        return bodies;
    }

    @TestFactory
    Stream<DynamicTest> malformedBodiesAreRefusedOnEveryRoute() {
        List<Case> cases = new ArrayList<>();
        for (BodyRoute route : BODY_ROUTES) {
            for (Object[] body : malformedBodies()) {
                cases.add(new Case(route + " with " + body[0], route.method(), route.path(), route.admin(),
                        (byte[]) body[1], 400));
            }
        }
        return dynamic(cases);
    }

    /** Values of the wrong type, NUL or lone surrogates in fields, numbers out of a field's range, bad names. */
    @TestFactory
    Stream<DynamicTest> badFieldsAreRefusedNamingTheField() {
        List<Case> cases = new ArrayList<>();
        // Interactions
        String interactions = "/v1/interactions";
        field(cases, "POST", interactions, false, "{\"model\": 5, \"input\": \"hi\"}", "model");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": 5}", "input");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": \"hi\", \"background\": \"yes\"}", "background");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": \"a\\u0000b\"}", "input");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": [{\"type\": \"text\", \"text\": \"\\ud83d\"}]}", "input[0].text");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": \"hi\", \"system_instruction\": \"x\\u0000\"}", "system_instruction");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": \"hi\", \"previous_interaction_id\": \"int_\\u0000\"}", "previous_interaction_id");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": \"hi\", \"previous_interaction_id\": \"" + "x".repeat(300) + "\"}", "previous_interaction_id");
        field(cases, "POST", interactions, false, "{\"agent\": \"default\", \"input\": \"hi\", \"environment\": \"env_\\u0000\"}", "environment");
        field(cases, "POST", interactions, false, "{\"agent\": \"default\", \"input\": \"hi\", \"environment\": {\"type\": \"remote\", \"env\": {\"A\": \"\\u0000\"}}}", "environment.env.A");
        for (String huge : List.of(TWO_TO_THE_63, "1e400", THIRTY_DIGITS, "\"" + TWO_TO_THE_63 + "\"")) {
            field(cases, "POST", interactions, false, "{\"agent\": \"default\", \"input\": \"hi\", \"agent_config\": {\"type\": \"dynamic\", \"max_steps\": " + huge + "}}", "max_steps");
        }
        field(cases, "POST", interactions, false, "{\"agent\": \"default\", \"input\": \"hi\", \"agent_config\": {\"max_total_tokens\": \"" + TWO_TO_THE_63 + "\"}}", "max_total_tokens");
        field(cases, "POST", interactions, false, "{\"agent\": \"default\", \"input\": \"hi\", \"agent_config\": {\"max_total_tokens\": 1.5}}", "max_total_tokens");
        field(cases, "POST", interactions, false, "{\"agent\": \"default\", \"input\": \"hi\", \"agent_config\": {\"timeout_seconds\": 1e400}}", "timeout_seconds");
        field(cases, "POST", interactions, false, "{\"model\": \"m\", \"input\": \"hi\", \"generation_config\": {\"max_output_tokens\": " + TWO_TO_THE_63 + "}}", "max_output_tokens");
        // Environments and exec
        String environments = "/v1/environments";
        field(cases, "POST", environments, false, "{\"env\": 5}", "env");
        field(cases, "POST", environments, false, "{\"env\": {\"A\": {\"b\": 1}}}", "env.A");
        field(cases, "POST", environments, false, "{\"sources\": \"x\"}", "sources");
        field(cases, "POST", environments, false, "{\"sources\": [5]}", "sources[0]");
        field(cases, "POST", environments, false, "{\"env\": {\"A\": \"x\\u0000\"}}", "env.A");
        field(cases, "POST", environments, false, "{\"sources\": [{\"type\": \"inline\", \"target\": \"a\\nb.txt\", \"content\": \"x\"}]}", "target");
        field(cases, "POST", environments, false, "{\"sources\": [{\"type\": \"inline\", \"target\": \"\\u202Etxt.exe\", \"content\": \"x\"}]}", "target");
        for (String path : List.of("a%0Ab.txt", "a%0D%0Ab.txt", "%E2%80%AEtxt.exe", "a%C2%85b", "a%7Fb")) {
            cases.add(new Case("upload to " + path, "PUT", "/upload/v1/environments/" + ENV + "/files/" + path, false,
                    utf8("bytes"), 400, "path"));
        }
        String exec = "/v1/environments/" + ENV + ":exec";
        field(cases, "POST", exec, false, "{\"command\": \"ls\", \"timeout_seconds\": \"soon\"}", "timeout_seconds");
        field(cases, "POST", exec, false, "{\"command\": \"ls\", \"env\": [1]}", "env");
        field(cases, "POST", exec, false, "{\"command\": \"ls\", \"cwd\": {}}", "cwd");
        field(cases, "POST", exec, false, "{\"command\": 5}", "command");
        field(cases, "POST", exec, false, "{\"command\": \"echo a\\u0000b\"}", "command");
        field(cases, "POST", exec, false, "{\"command\": [\"ls\", \"\\udfff\"]}", "command[1]");
        field(cases, "POST", exec, false, "{\"command\": \"ls\", \"cwd\": \"dir\\ud800\"}", "cwd");
        field(cases, "POST", exec, false, "{\"command\": \"ls\", \"timeout_seconds\": 1e400}", "timeout_seconds");
        // Agents
        String agents = "/v1/agents";
        field(cases, "POST", agents, false, "{\"id\": 5}", "id");
        field(cases, "POST", agents, false, "{\"id\": \"" + REFUSED_AGENT + "\", \"description\": 5}", "description");
        field(cases, "POST", agents, false, "{\"id\": \"" + REFUSED_AGENT + "\", \"tools\": \"x\"}", "tools");
        field(cases, "POST", agents, false, "{\"id\": \"" + REFUSED_AGENT + "\", \"agent_config\": 5}", "agent_config");
        field(cases, "POST", agents, false, "{\"id\": \"" + REFUSED_AGENT + "\", \"description\": \"evil\\u202Etxt\"}", "description");
        field(cases, "POST", agents, false, "{\"id\": \"" + REFUSED_AGENT + "\", \"description\": \"bell\\u0007\"}", "description");
        field(cases, "POST", agents, false, "{\"id\": \"" + REFUSED_AGENT + "\", \"system_instruction\": \"\\u0000\"}", "system_instruction");
        field(cases, "POST", agents, false, "{\"id\": \"sweep\\r\\nagent\"}", "id");
        // Webhooks
        field(cases, "POST", "/v1/webhooks", false, "{\"uri\": 5, \"subscribed_events\": [\"interaction.completed\"]}", "uri");
        field(cases, "POST", "/v1/webhooks", false, "{\"uri\": \"https://example.com/\\u202Ehook\", \"subscribed_events\": [\"interaction.completed\"]}", "uri");
        field(cases, "POST", "/v1/webhooks", false, "{\"uri\": \"https://example.com/\", \"subscribed_events\": \"x\"}", "subscribed_events");
        // Credentials
        String credentials = "/v1/credentials";
        String bearer = "{\"type\": \"bearer_token\", \"id\": \"" + REFUSED_CREDENTIAL + "\"";
        field(cases, "POST", credentials, false, "{\"type\": 5}", "type");
        field(cases, "POST", credentials, false, "{\"type\": \"bearer_token\", \"id\": [\"x\"], \"token\": \"t\"}",
                "id");
        field(cases, "POST", credentials, false,
                "{\"type\": \"bearer_token\", \"id\": \"sweep\\r\\ncred\", \"token\": \"t\"}", "id");
        field(cases, "POST", credentials, false, bearer + ", \"token\": 5}", "token");
        field(cases, "POST", credentials, false, bearer + ", \"token\": \"a\\u0000b\"}", "token");
        field(cases, "POST", credentials, false, bearer + ", \"token\": \"t\", \"header_name\": \"a\\r\\nb\"}",
                "header_name");
        field(cases, "POST", credentials, false, bearer + ", \"token\": \"t\", \"prefix\": {}}", "prefix");
        field(cases, "POST", credentials, false, "{\"type\": \"environment_variable\", \"id\": \"" + REFUSED_CREDENTIAL
                + "\", \"value\": \"v\", \"injection_location\": \"header\","
                + " \"trusted_domains\": [\"\\u202Eevil.com\"]}",
                "trusted_domains[0]");
        field(cases, "POST", credentials, false, "{\"type\": \"oauth2\", \"id\": \"" + REFUSED_CREDENTIAL
                + "\", \"client_id\": \"c\", \"client_secret\": \"s\", \"refresh_token\": \"r\", \"token_url\": "
                + THIRTY_DIGITS + "}", "token_url");
        field(cases, "PATCH", credentials + "/" + CREDENTIAL, false, "{\"nosuch\": 1}", "nosuch");
        field(cases, "PATCH", credentials + "/" + CREDENTIAL + "?update_mask=type", false, "{}", "type");
        field(cases, "PATCH", credentials + "/" + CREDENTIAL + "?update_mask=a%00b", false, "{}", "update_mask");
        // Tenants, keys, budgets
        String tenants = "/admin/v1/tenants";
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"name\": 5}", "name");
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"name\": \"Team\\r\\nAdmin: yes\"}", "name");
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"name\": \"\\u202Emaet\"}", "name");
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"name\": \"c1\\u0085\"}", "name");
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"limits\": 5}", "limits");
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"limits\": {\"max_concurrent_sandboxes\": " + TWO_TO_THE_63 + "}}", "max_concurrent_sandboxes");
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"limits\": {\"retention_days\": \"" + THIRTY_DIGITS + "\"}}", "retention_days");
        field(cases, "POST", tenants, true, "{\"id\": \"" + REFUSED_TENANT + "\", \"limits\": {\"default_timeout_seconds\": 1e308}}", "default_timeout_seconds");
        field(cases, "POST", tenants, true, "{\"id\": \"sweep\\u2066x\"}", "id");
        field(cases, "PATCH", tenants + "/default", true, "{\"name\": \"x\\u0000\"}", "name");
        field(cases, "POST", tenants + "/default/keys", true, "{\"name\": \"key\\u200F\"}", "name");
        field(cases, "POST", tenants + "/default/keys", true, "{\"name\": 5}", "name");
        String budget = tenants + "/default/budget";
        for (String huge : List.of(TWO_TO_THE_63, THIRTY_DIGITS, "\"" + THIRTY_DIGITS + "\"")) {
            field(cases, "PUT", budget, true, "{\"tokens\": " + huge + "}", "tokens");
        }
        field(cases, "PUT", budget, true, "{\"sandbox_minutes\": 1e308}", "sandbox_minutes");
        field(cases, "PUT", budget, true, "{\"cost\": " + THIRTY_DIGITS + "}", "cost");
        field(cases, "PUT", budget, true, "{\"cost\": 1e-20}", "cost");
        field(cases, "PUT", budget, true, "{\"thresholds\": [4294967346]}", "threshold");
        field(cases, "PUT", budget, true, "{\"stop_running\": \"yes\"}", "stop_running");
        return dynamic(cases);
    }

    /** Malformed, NUL-bearing and overlong ids in every path that takes one, and bad page tokens and sizes. */
    @TestFactory
    Stream<DynamicTest> badIdsAndTokensAreRefusedBeforeAnyQuery() {
        List<String> badIds = List.of("%00", "int_%00", "x%00y", "a".repeat(300), "env_" + "a".repeat(25) + "%00",
                "%E2%80%AE" + "a".repeat(10));
        List<Case> cases = new ArrayList<>();
        for (String id : badIds) {
            String[][] routes = {
                    {"GET", "/v1/interactions/" + id}, {"DELETE", "/v1/interactions/" + id},
                    {"POST", "/v1/interactions/" + id + "/cancel"}, {"GET", "/v1/interactions/" + id + "?stream=true"},
                    {"GET", "/v1/environments/" + id}, {"DELETE", "/v1/environments/" + id},
                    {"GET", "/v1/environments/" + id + "/files"}, {"GET", "/v1/environments/" + id + "/files/a.txt"},
                    {"GET", "/v1/environments/" + id + "/files/a.txt?alt=media"},
                    {"GET", "/v1/agents/" + id}, {"DELETE", "/v1/agents/" + id},
                    {"GET", "/v1/webhooks/" + id}, {"DELETE", "/v1/webhooks/" + id},
                    {"GET", "/v1/webhooks/" + id + "/deliveries"},
                    {"GET", "/v1/credentials/" + id}, {"DELETE", "/v1/credentials/" + id}};
            for (String[] route : routes) {
                cases.add(new Case(route[0] + " " + route[1], route[0], route[1], false, null, 404));
            }
            cases.add(new Case("exec on " + id, "POST", "/v1/environments/" + id + ":exec", false,
                    utf8("{\"command\": \"ls\"}"), 404));
            cases.add(new Case("PATCH webhook " + id, "PATCH", "/v1/webhooks/" + id, false,
                    utf8("{\"state\": \"enabled\"}"), 404));
            cases.add(new Case("PATCH credential " + id, "PATCH", "/v1/credentials/" + id, false,
                    utf8("{\"status\": \"revoked\"}"), 404));
            cases.add(new Case("upload to " + id, "PUT", "/upload/v1/environments/" + id + "/files/a.txt", false,
                    utf8("bytes"), 404));
            String[][] adminRoutes = {
                    {"GET", "/admin/v1/tenants/" + id}, {"GET", "/admin/v1/tenants/" + id + "/keys"},
                    {"GET", "/admin/v1/tenants/" + id + "/budget"},
                    {"DELETE", "/admin/v1/tenants/default/keys/" + id}};
            for (String[] route : adminRoutes) {
                cases.add(new Case(route[0] + " " + route[1], route[0], route[1], true, null, 404));
            }
            cases.add(new Case("PATCH tenant " + id, "PATCH", "/admin/v1/tenants/" + id, true,
                    utf8("{\"name\": \"x\"}"), 404));
            cases.add(new Case("key for tenant " + id, "POST", "/admin/v1/tenants/" + id + "/keys", true,
                    utf8("{\"name\": \"x\"}"), 404));
            cases.add(new Case("budget of tenant " + id, "PUT", "/admin/v1/tenants/" + id + "/budget", true,
                    utf8("{}"), 404));
        }
        String forgedToken = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("1:0:a\0b".getBytes(StandardCharsets.UTF_8));
        for (String token : List.of("%00", "x".repeat(2000), forgedToken, "a%00b")) {
            for (String list : List.of("/v1/interactions", "/v1/environments", "/v1/agents", "/v1/webhooks",
                    "/v1/credentials", "/v1/environments/" + ENV + "/files")) {
                cases.add(new Case(list + " with page_token " + abbreviate(token), "GET",
                        list + "?page_token=" + token, false, null, 400));
            }
        }
        for (String size : List.of("99999999999999999999", "ten", "%00")) {
            for (String list : List.of("/v1/interactions", "/v1/environments", "/v1/agents", "/v1/webhooks",
                    "/v1/credentials", "/v1/environments/" + ENV + "/files")) {
                cases.add(new Case(list + " with page_size " + size, "GET", list + "?page_size=" + size, false, null,
                        400));
            }
        }
        cases.add(new Case("usage from NUL", "GET", "/v1/usage?from=%00", false, null, 400));
        cases.add(new Case("admin usage for NUL tenant", "GET", "/admin/v1/usage?tenant_id=a%00b", true, null, 400));
        cases.add(new Case("stream after a NUL event id", "GET", "/v1/interactions/int_" + "a".repeat(26)
                + "?stream=true&last_event_id=%00", false, null, 400));
        return dynamic(cases);
    }

    /** Every route with the methods it takes; any other method on it must be a 405 naming them in Allow. */
    private static final Map<String, Set<String>> ROUTE_METHODS = Map.ofEntries(
            Map.entry("/v1/interactions", Set.of("GET", "POST")),
            Map.entry("/v1beta/interactions/int_" + "a".repeat(26), Set.of("GET", "DELETE")),
            Map.entry("/v1/interactions/int_" + "a".repeat(26) + "/cancel", Set.of("POST")),
            Map.entry("/v1/environments", Set.of("GET", "POST")),
            // POST on an environment path is its custom methods (":exec").
            Map.entry("/v1/environments/" + ENV, Set.of("GET", "PATCH", "DELETE", "POST")),
            Map.entry("/v1/environments/" + ENV + "/network_log", Set.of("GET")),
            Map.entry("/v1/environments/" + ENV + "/files", Set.of("GET")),
            Map.entry("/v1/environments/" + ENV + "/files/out/a.txt", Set.of("GET")),
            Map.entry("/upload/v1/environments/" + ENV + "/files/a.txt", Set.of("PUT", "POST")),
            Map.entry("/v1/agents", Set.of("GET", "POST")),
            Map.entry("/v1/agents/some-agent", Set.of("GET", "DELETE")),
            Map.entry("/v1/webhooks", Set.of("GET", "POST")),
            Map.entry("/v1/webhooks/" + WHK, Set.of("GET", "PATCH", "DELETE")),
            Map.entry("/v1/webhooks/" + WHK + "/deliveries", Set.of("GET")),
            Map.entry("/v1/credentials", Set.of("GET", "POST")),
            Map.entry("/v1beta/credentials/" + CREDENTIAL, Set.of("GET", "PATCH", "DELETE")),
            Map.entry("/v1/usage", Set.of("GET")),
            Map.entry("/v1/budget", Set.of("GET")),
            Map.entry("/admin/v1/tenants", Set.of("GET", "POST")),
            Map.entry("/admin/v1/tenants/default", Set.of("GET", "PATCH", "DELETE")),
            Map.entry("/admin/v1/tenants/default/keys", Set.of("GET", "POST")),
            Map.entry("/admin/v1/tenants/default/keys/key_" + "a".repeat(26), Set.of("DELETE")),
            Map.entry("/admin/v1/tenants/default/budget", Set.of("GET", "PUT")),
            Map.entry("/admin/v1/usage", Set.of("GET")),
            Map.entry("/q/health/ready", Set.of("GET")),
            Map.entry("/q/metrics", Set.of("GET")));

    @TestFactory
    Stream<DynamicTest> wrongMethodsAre405WithAllowOnEveryRoute() {
        List<DynamicTest> tests = new ArrayList<>();
        ROUTE_METHODS.forEach((path, allowed) -> {
            for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE")) {
                if (allowed.contains(method)) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(method + " " + path, () -> {
                    HttpResponse<byte[]> response = send(method, path, path.startsWith("/admin"),
                            method.equals("GET") || method.equals("DELETE") || method.equals("TRACE") ? null
                                    : utf8("{}"), false);
                    assertEquals(405, response.statusCode(), () -> method + " " + path + ": "
                            + new String(response.body(), StandardCharsets.UTF_8));
                    Set<String> allow = Set.of(response.headers().firstValue("Allow").orElse("")
                            .replace(" ", "").split(","));
                    assertTrue(allow.containsAll(allowed), () -> method + " " + path + ": Allow " + allow);
                    assertFalse(allow.contains(method), () -> method + " " + path + ": Allow " + allow);
                    assertRefusal(method + " " + path, response, 405);
                }));
            }
        });
        return tests.stream();
    }

    /**
     * A client declares a body over the limit: the answer is 413 in the envelope, sent before the body is read (the
     * socket writes only the first bytes of it, so a server that waited for the rest would time out here).
     */
    @Test
    void bodiesOverTheLimitAre413InTheEnvelope() throws Exception {
        long declared = 21L * 1024 * 1024;
        for (BodyRoute route : List.of(BODY_ROUTES.get(0), BODY_ROUTES.get(3), BODY_ROUTES.get(6))) {
            try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
                socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
                String head = route.method() + " " + route.path() + " HTTP/1.1\r\nHost: localhost\r\n"
                        + TestTenants.KEY_HEADER + ": " + (route.admin() ? TestTenants.ADMIN_KEY : TestTenants.DEFAULT_KEY)
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + declared + "\r\n\r\n{\"name\": \"";
                socket.getOutputStream().write(utf8(head));
                socket.getOutputStream().flush();
                String answer = readAnswer(socket.getInputStream());
                String status = answer.lines().findFirst().orElse("");
                assertTrue(status.startsWith("HTTP/1.1 413"), () -> route + ": " + answer);
                JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
                assertEquals(413, error.getInteger("code"), answer);
                assertTrue(RPC_CODES.contains(error.getString("status")), answer);
                assertTrue(error.getString("message").contains("larger than"), answer);
            }
        }
    }

    /** A body sent without a length (chunked) is bounded while it is read, with the same 413. */
    @Test
    void chunkedBodiesOverTheLimitAre413InTheEnvelope() throws Exception {
        byte[] huge = concat(utf8("{\"name\": \""), "x".repeat(21 * 1024 * 1024).getBytes(StandardCharsets.US_ASCII),
                utf8("\"}"));
        for (BodyRoute route : List.of(BODY_ROUTES.get(0), BODY_ROUTES.get(3), BODY_ROUTES.get(6))) {
            URI uri = URI.create(base.toString().replaceAll("/$", "") + route.path());
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                    .header(TestTenants.KEY_HEADER, route.admin() ? TestTenants.ADMIN_KEY : TestTenants.DEFAULT_KEY)
                    .header("Content-Type", "application/json")
                    .method(route.method(), HttpRequest.BodyPublishers.ofInputStream(
                            () -> new java.io.ByteArrayInputStream(huge)))
                    .build();
            HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            assertRefusal(route + " chunked, 21 MiB", response, 413);
        }
    }

    @Test
    void refusedCreatesLeaveNothingBehind() throws Exception {
        // Run the refusals first, in case this test runs before the sweeps.
        send("POST", "/admin/v1/tenants", true,
                utf8("{\"id\": \"" + REFUSED_TENANT + "\", \"name\": \"bad\\u202Ename\"}"), false);
        send("POST", "/v1/agents", false,
                utf8("{\"id\": \"" + REFUSED_AGENT + "\", \"description\": \"\\u0000\"}"), false);
        int webhooksBefore = listSize("/v1/webhooks?page_size=1000", "webhooks");
        int credentialsBefore = listSize("/v1/credentials?page_size=1000", "credentials");
        int environmentsBefore = listSize("/v1/environments?page_size=1000", "environments");
        int interactionsBefore = listSize("/v1/interactions?page_size=1000", "interactions");
        send("POST", "/v1/webhooks", false, utf8("{\"uri\": \"https://example.com/\\u0000\", \"subscribed_events\":"
                + " [\"interaction.completed\"]}"), false);
        send("POST", "/v1/environments", false, utf8("{\"env\": {\"A\": \"\\ud800\"}}"), false);
        send("POST", "/v1/credentials", false, utf8("{\"type\": \"environment_variable\", \"id\": \""
                + REFUSED_CREDENTIAL + "\", \"value\": \"v\", \"injection_location\": [\"header\", \"cookie\"]}"),
                false);
        send("POST", "/v1/interactions", false, utf8("{\"agent\": \"default\", \"input\": \"hi\", \"agent_config\":"
                + " {\"max_steps\": " + TWO_TO_THE_63 + "}}"), false);

        assertEquals(404, send("GET", "/admin/v1/tenants/" + REFUSED_TENANT, true, null, false).statusCode());
        assertEquals(404, send("GET", "/v1/agents/" + REFUSED_AGENT, false, null, false).statusCode());
        assertEquals(webhooksBefore, listSize("/v1/webhooks?page_size=1000", "webhooks"));
        assertEquals(credentialsBefore, listSize("/v1/credentials?page_size=1000", "credentials"));
        assertEquals(404, send("GET", "/v1/credentials/" + REFUSED_CREDENTIAL, false, null, false).statusCode());
        assertEquals(environmentsBefore, listSize("/v1/environments?page_size=1000", "environments"));
        assertEquals(interactionsBefore, listSize("/v1/interactions?page_size=1000", "interactions"));
    }

    @Test
    void goodInputStillWorksAndKeepsItsText() throws Exception {
        String name = "Équipe 東京 😀";
        HttpResponse<byte[]> created = send("POST", "/admin/v1/tenants", true,
                utf8(new JsonObject().put("name", name).encode()), false);
        assertEquals(200, created.statusCode(), new String(created.body(), StandardCharsets.UTF_8));
        assertEquals(name, new JsonObject(new String(created.body(), StandardCharsets.UTF_8)).getString("name"));
    }

    /**
     * Against a real sandbox: what the edge refuses never reaches the daemon, and what only the daemon can judge (a
     * path escaping the workspace, a missing directory, a NUL in a file path) comes back as its 4xx with its message.
     */
    @Test
    void aRealSandboxsRefusalsReachTheCallerAsClear4xx() throws Exception {
        HttpResponse<byte[]> created = send("POST", "/v1/environments", false, utf8("{}"), false);
        assertEquals(200, created.statusCode(), new String(created.body(), StandardCharsets.UTF_8));
        String env = new JsonObject(new String(created.body(), StandardCharsets.UTF_8)).getString("id");
        try {
            String exec = "/v1/environments/" + env + ":exec";
            Object[][] cases = {
                    {"POST", exec, "{\"command\": \"echo a\\u0000b\"}", 400, "command"},
                    {"POST", exec, "{\"command\": [\"echo\", \"\\ud800\"]}", 400, "command[1]"},
                    {"POST", exec, "{\"command\": \"pwd\", \"cwd\": \"a\\udc00\"}", 400, "cwd"},
                    {"POST", exec, "{\"command\": \"pwd\", \"cwd\": \"../etc\"}", 400, "path"},
                    {"POST", exec, "{\"command\": \"pwd\", \"cwd\": \"no-such-dir\"}", 400, "cwd"},
                    {"GET", "/v1/environments/" + env + "/files/a%00b", null, 400, "NUL"},
                    {"GET", "/v1/environments/" + env + "/files/a%00b?alt=media", null, 400, "NUL"},
                    {"GET", "/v1/environments/" + env + "/files/missing.txt?alt=media", null, 404, "no such file"},
                    {"PUT", "/upload/v1/environments/" + env + "/files/a%00b", "bytes", 400, "path"}};
            for (Object[] c : cases) {
                String name = c[0] + " " + c[1] + " " + c[2];
                HttpResponse<byte[]> response = send((String) c[0], (String) c[1], false,
                        c[2] == null ? null : utf8((String) c[2]), false);
                assertRefusal(name, response, (Integer) c[3]);
                assertTrue(message(response).contains((String) c[4]), () -> name + ": " + message(response));
            }
            // The sandbox is still fine.
            HttpResponse<byte[]> ok = send("POST", exec, false, utf8("{\"command\": \"echo ok\"}"), false);
            assertEquals(200, ok.statusCode(), new String(ok.body(), StandardCharsets.UTF_8));
        } finally {
            send("DELETE", "/v1/environments/" + env, false, null, false);
        }
    }

    /** A chunked body within the limit is read once, by the same reader, and works like any other. */
    @Test
    void chunkedBodiesWithinTheLimitAreAccepted() throws Exception {
        byte[] body = utf8(new JsonObject().put("name", "Chunked team").encode());
        for (String path : List.of("/admin/v1/tenants")) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path))
                    .timeout(REQUEST_TIMEOUT)
                    .header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                    .build();
            HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            String text = new String(response.body(), StandardCharsets.UTF_8);
            assertEquals(200, response.statusCode(), text);
            assertEquals("Chunked team", new JsonObject(text).getString("name"));
        }
        HttpRequest interaction = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "")
                        + "/v1/interactions"))
                .timeout(REQUEST_TIMEOUT)
                .header(TestTenants.KEY_HEADER, TestTenants.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        utf8("{\"model\": 5, \"input\": \"hi\"}"))))
                .build();
        HttpResponse<byte[]> refused = HTTP.send(interaction, HttpResponse.BodyHandlers.ofByteArray());
        assertRefusal("chunked interaction create", refused, 400);
        assertTrue(message(refused).contains("model"), message(refused));
    }

    private static void field(List<Case> cases, String method, String path, boolean admin, String body, String field) {
        cases.add(new Case(method + " " + path + " " + abbreviate(body) + " names " + field, method, path, admin,
                utf8(body), 400, field));
    }

    private Stream<DynamicTest> dynamic(List<Case> cases) {
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            HttpResponse<byte[]> response = send(c.method(), c.path(), c.admin(), c.body(), false);
            assertRefusal(c.name(), response, c.expected());
            String field = c.field();
            if (field != null) {
                assertTrue(message(response).contains(field), () -> c.name() + ": the message should name " + field
                        + ": " + message(response));
            }
        }));
    }

    private static void assertRefusal(String name, HttpResponse<byte[]> response, int expected) {
        String text = new String(response.body(), StandardCharsets.UTF_8);
        int status = response.statusCode();
        assertTrue(status >= 400 && status < 500, () -> name + ": expected a 4xx, got " + status + " " + text);
        assertEquals(expected, status, () -> name + ": " + text);
        JsonObject error;
        try {
            error = new JsonObject(text).getJsonObject("error");
        } catch (RuntimeException e) {
            fail(name + ": the body is not the error envelope: '" + text + "'");
            return;
        }
        assertEquals(status, error.getInteger("code"), () -> name + ": code must equal the HTTP status: " + text);
        assertTrue(RPC_CODES.contains(error.getString("status")), () -> name + ": not a google.rpc status: " + text);
        String message = error.getString("message");
        assertTrue(message != null && !message.isBlank(), () -> name + ": no message: " + text);
        for (String internal : List.of("Exception", "dev.wharf", "com.fasterxml", "io.vertx", "org.jboss", "\tat ")) {
            assertFalse(message.contains(internal), () -> name + ": the message leaks internals: " + message);
        }
    }

    /** Reads one answer: up to the end of its JSON body, or until the server closes the connection. */
    private static String readAnswer(java.io.InputStream in) throws java.io.IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int read;
        while ((read = in.read(buffer)) > 0) {
            answer.write(buffer, 0, read);
            String text = answer.toString(StandardCharsets.UTF_8);
            int bodyAt = text.indexOf("\r\n\r\n");
            if (bodyAt >= 0 && text.strip().endsWith("}")) {
                return text;
            }
        }
        return answer.toString(StandardCharsets.UTF_8);
    }

    private static String message(HttpResponse<byte[]> response) {
        return new JsonObject(new String(response.body(), StandardCharsets.UTF_8)).getJsonObject("error")
                .getString("message");
    }

    private int listSize(String path, String field) throws Exception {
        HttpResponse<byte[]> response = send("GET", path, false, null, false);
        assertEquals(200, response.statusCode());
        JsonArray items = new JsonObject(new String(response.body(), StandardCharsets.UTF_8)).getJsonArray(field);
        return items == null ? 0 : items.size();
    }

    private HttpResponse<byte[]> send(String method, String path, boolean admin, byte[] body, boolean expectContinue)
            throws Exception {
        URI uri = URI.create(base.toString().replaceAll("/$", "") + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header(TestTenants.KEY_HEADER, admin ? TestTenants.ADMIN_KEY : TestTenants.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .expectContinue(expectContinue)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
