package dev.wharf.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.ApiClient;
import dev.wharf.runtime.ApiResponse;
import dev.wharf.runtime.RunningDaemon;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Authentication, routing and the error envelope, as a caller of any endpoint sees them. */
class ApiSurfaceTest {

    @TempDir
    static Path workspace;
    static RunningDaemon daemon;
    static ApiClient api;

    @BeforeAll
    static void start() {
        daemon = RunningDaemon.start(workspace);
        api = daemon.client();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        daemon.close();
    }

    @Test
    void healthNeedsNoTokenAndNamesVersionAndWorkspace() {
        Map<String, Object> health = api.withToken(null).get("/health").ok().json();

        assertEquals("ok", health.get("status"));
        assertTrue(((String) health.get("version")).matches("\\d+\\.\\d+\\.\\d+.*"), health.toString());
        assertEquals(workspace.toAbsolutePath().normalize().toString(), health.get("workspace"));
        assertEquals("application/json", api.get("/health").header("content-type"));
    }

    @ParameterizedTest
    @CsvSource({"POST, /exec", "GET, /files", "GET, /files/content", "PUT, /files/content", "DELETE, /files",
            "GET, /usage", "POST, /agent/runs", "GET, /agent/runs/r1", "POST, /agent/runs/r1/cancel",
            "GET, /no-such-route", "POST, /health"})
    void everythingButTheHealthCheckNeedsTheToken(String method, String path) {
        ApiResponse missing = api.withToken(null).method(method, path + "?path=x");
        ApiResponse wrong = api.withToken(daemon.token() + "x").method(method, path + "?path=x");
        ApiResponse prefix = api.withToken(daemon.token().substring(0, 5)).method(method, path + "?path=x");

        assertEquals("missing bearer token", missing.error(401, "UNAUTHENTICATED").get("message"));
        assertEquals("invalid bearer token", wrong.error(401, "UNAUTHENTICATED").get("message"));
        prefix.error(401, "UNAUTHENTICATED");
        assertEquals("Bearer", missing.header("www-authenticate"));
    }

    @Test
    void aTokenInAnotherSchemeIsNotAccepted() {
        api.send(api.withToken(null).request("/usage").header("Authorization", "Basic " + daemon.token()))
                .error(401, "UNAUTHENTICATED");
        api.send(api.withToken(null).request("/usage").header("Authorization", "bearer " + daemon.token()))
                .ok();
    }

    @Test
    void unknownRoutesAreNotFound() {
        Map<String, Object> error = api.get("/nope").error(404, "NOT_FOUND");
        assertTrue(((String) error.get("message")).contains("/nope"));
        api.get("/files/content/extra").error(404, "NOT_FOUND");
    }

    @Test
    void wrongMethodsAreRefusedNamingTheAllowedOnes() {
        ApiResponse response = api.method("PATCH", "/files");

        response.error(405, "UNIMPLEMENTED");
        assertEquals("DELETE, GET", response.header("allow"));
        api.method("GET", "/exec").error(405, "UNIMPLEMENTED");
    }

    @Test
    void aTrailingSlashIsTolerated() {
        api.get("/health/").ok();
        api.get("/usage/").ok();
    }

    @Test
    void oversizedRequestDocumentsAreRefused() {
        String command = "echo " + "x".repeat(JsonExchange.MAX_REQUEST_BYTES);

        api.exec(Map.of("command", command)).error(413, "RESOURCE_EXHAUSTED");
    }

    @Test
    void aRecursiveFlagOtherThanTrueOrFalseIsInvalid() {
        Map<String, Object> error = api.get("/files?recursive=maybe").error(400, "INVALID_ARGUMENT");
        assertEquals("recursive must be true or false", error.get("message"));
    }

    @Test
    void errorBodiesNeverExposeInternals() {
        List<ApiResponse> failures = List.of(
                api.get("/files/content?path=%2Fetc%2Fshadow"),
                api.postRaw("/exec", "{not json"),
                api.exec(Map.of("command", List.of())),
                api.put("/files/content?path=", HttpRequest.BodyPublishers.ofString("x")),
                api.get("/files?path=missing"));

        for (ApiResponse failure : failures) {
            assertTrue(failure.status() >= 400);
            assertEquals(Map.of("error", failure.json().get("error")), failure.json(), failure.text());
            assertFalse(failure.text().contains("Exception"), failure.text());
            assertFalse(failure.text().contains("dev.wharf"), failure.text());
            assertFalse(failure.text().contains("java."), failure.text());
        }
    }
}
