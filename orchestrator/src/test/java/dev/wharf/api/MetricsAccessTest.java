package dev.wharf.api;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.support.TestTenants;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prometheus metrics name tenants and what they spent: only the admin key reads them. Health and the OpenAPI
 * document carry no tenant data and stay open, so load balancers and SDK generators need no key.
 */
@QuarkusTest
class MetricsAccessTest {
    /** A family every control plane exports from its start, whatever ran before. */
    private static final String A_METRIC = "wharf_capacity_slots_max";

    @TestHTTPResource
    URL application;

    @Test
    void withoutAKeyMetricsAreRefusedInTheEnvelope() {
        assertError(given().noFilters().get("/q/metrics").then(), 401, "UNAUTHENTICATED");
        given().noFilters().get("/q/metrics").then().body(not(containsString(A_METRIC)));
    }

    @Test
    void aTenantKeyIsNotTheAdminKey() {
        assertError(given().noFilters().header(TestTenants.KEY_HEADER, TestTenants.DEFAULT_KEY).get("/q/metrics")
                .then(), 401, "UNAUTHENTICATED");
        assertError(given().noFilters().header("Authorization", "Bearer " + TestTenants.DEFAULT_KEY)
                .get("/q/metrics").then(), 401, "UNAUTHENTICATED");
        given().noFilters().header(TestTenants.KEY_HEADER, TestTenants.DEFAULT_KEY).get("/q/metrics")
                .then().body(not(containsString(A_METRIC)));
    }

    @Test
    void theAdminKeyReadsMetricsFromEachOfTheThreePlaces() {
        given().noFilters().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).get("/q/metrics")
                .then().statusCode(200).body(containsString(A_METRIC));
        // Prometheus' scrape config sends `authorization: {credentials: <key>}` as exactly this header.
        given().noFilters().header("Authorization", "Bearer " + TestTenants.ADMIN_KEY).get("/q/metrics")
                .then().statusCode(200).body(containsString(A_METRIC));
        given().noFilters().queryParam("key", TestTenants.ADMIN_KEY).get("/q/metrics")
                .then().statusCode(200).body(containsString(A_METRIC));
    }

    @Test
    void healthAndOpenApiStayOpen() {
        given().noFilters().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().noFilters().get("/q/health/live").then().statusCode(200);
        given().noFilters().get("/q/health").then().statusCode(200);
        given().noFilters().get("/q/openapi").then().statusCode(200).body(containsString("/v1/interactions"));
    }

    /**
     * Spellings the router folds into the metrics or admin routes (dot segments, escaped letters, doubled slashes,
     * a trailing slash) must not slip past the key check. Sent as raw bytes, so no client normalises them first.
     */
    @Test
    void pathSpellingsDoNotBypassTheKey() throws Exception {
        for (String path : List.of("/q/metrics/", "/q//metrics", "//q/metrics", "/q/./metrics", "/x/../q/metrics",
                "/q/%6Detrics", "/%71/metrics", "/q/metrics?x=1", "/q/metrics;x", "/v1/../q/metrics")) {
            String answer = rawGet(path, null);
            assertFalse(answer.startsWith("HTTP/1.1 200"), path + " answered " + head(answer));
            assertFalse(answer.contains(A_METRIC), path + " leaked metrics");
        }
        // Nor do they turn a tenant's key into the admin key.
        for (String path : List.of("/x/../admin/v1/tenants", "/admin/%761/tenants", "/%61dmin/v1/tenants",
                "/admin//v1/tenants", "//admin/v1/tenants", "/v1/../admin/v1/tenants")) {
            for (String key : new String[] {null, TestTenants.DEFAULT_KEY}) {
                String answer = rawGet(path, key);
                assertFalse(answer.startsWith("HTTP/1.1 200"), path + " with key " + key + " answered " + head(answer));
            }
        }
        String tenantOnMetrics = rawGet("/q//metrics", TestTenants.DEFAULT_KEY);
        assertTrue(tenantOnMetrics.startsWith("HTTP/1.1 401"), head(tenantOnMetrics));
        assertTrue(rawGet("/q/metrics", null).startsWith("HTTP/1.1 401"), "the plain path is refused too");
    }

    private String rawGet(String path, String key) throws Exception {
        String keyHeader = key == null ? "" : TestTenants.KEY_HEADER + ": " + key + "\r\n";
        try (Socket socket = new Socket(application.getHost(), application.getPort())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + keyHeader
                    + "Connection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    private static String head(String answer) {
        return answer.substring(0, Math.min(200, answer.length()));
    }
}
