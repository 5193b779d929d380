package dev.wharf.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.util.Map;

/** The admin API as a platform team uses it: tenants with their own limits, and keys to act as them. */
public final class AdminApi {
    private static final String[] LIMITS = {"max_concurrent_sandboxes", "default_timeout_seconds", "max_timeout_seconds",
            "retention_days", "environment_idle_ttl_seconds", "environment_max_lifetime_seconds"};

    private AdminApi() {
    }

    /** A tenant and an API key that acts as it. */
    public record TenantKey(String id, String key) {
    }

    /** Creates a tenant with {@code limits} and a key for it. */
    public static TenantKey createTenant(String name, Map<String, Object> limits) {
        String id = given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body(Map.of("name", name, "limits", limits))
                .post("/admin/v1/tenants").then().statusCode(200).extract().path("id");
        String key = given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body(Map.of("name", "test"))
                .post("/admin/v1/tenants/" + id + "/keys").then().statusCode(200).extract().path("key");
        return new TenantKey(id, key);
    }

    /** Sets the named limits of a tenant; the others keep their values. */
    public static void setLimits(String tenantId, Map<String, Object> limits) {
        given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body(Map.of("limits", limits))
                .patch("/admin/v1/tenants/" + tenantId).then().statusCode(200);
    }

    /** Returns every limit of a tenant to the platform default. */
    public static void clearLimits(String tenantId) {
        // Written by hand: the application's JSON mapper, which Vert.x shares in tests, leaves nulls out.
        String none = java.util.Arrays.stream(LIMITS).map(limit -> "\"" + limit + "\": null")
                .collect(java.util.stream.Collectors.joining(", ", "{\"limits\": {", "}}"));
        given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body(none)
                .patch("/admin/v1/tenants/" + tenantId).then().statusCode(200);
    }
}
