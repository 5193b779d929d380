package dev.wharf.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;

/** The admin API as a platform team uses it: tenants with their own limits, and keys to act as them. */
public final class Tenants {
    private static final String[] LIMITS = {"max_concurrent_sandboxes", "default_timeout_seconds", "max_timeout_seconds",
            "retention_days", "environment_idle_ttl_seconds", "environment_max_lifetime_seconds", "max_workspace_bytes",
            "egress_allow_any_host"};

    private Tenants() {
    }

    /** A new tenant with its own API key. */
    public record Created(String id, String key, String keyId) {
        /** A request authenticated as this tenant. */
        public RequestSpecification as() {
            return given().header(TestTenants.KEY_HEADER, key);
        }
    }

    /** A request authenticated with the admin key. */
    public static RequestSpecification admin() {
        return given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY);
    }

    public static Created create(String name) {
        return create(name, Map.of());
    }

    /** Creates a tenant named {@code name} with {@code limits} and a key for it. */
    public static Created create(String name, Map<String, Object> limits) {
        String id = admin().contentType(ContentType.JSON).body(Map.of("name", name, "limits", limits))
                .post("/admin/v1/tenants").then().statusCode(200).extract().path("id");
        var created = admin().contentType(ContentType.JSON).body(Map.of("name", "test"))
                .post("/admin/v1/tenants/" + id + "/keys").then().statusCode(200).extract();
        return new Created(id, created.path("key"), created.path("id"));
    }

    /** Sets the named limits of a tenant; the others keep their values. */
    public static void setLimits(String tenantId, Map<String, Object> limits) {
        admin().contentType(ContentType.JSON).body(Map.of("limits", limits))
                .patch("/admin/v1/tenants/" + tenantId).then().statusCode(200);
    }

    /** Returns every limit of a tenant to the platform default. */
    public static void clearLimits(String tenantId) {
        // Written by hand: the application's JSON mapper, which Vert.x shares in tests, leaves nulls out.
        String none = java.util.Arrays.stream(LIMITS).map(limit -> "\"" + limit + "\": null")
                .collect(java.util.stream.Collectors.joining(", ", "{\"limits\": {", "}}"));
        admin().contentType(ContentType.JSON).body(none)
                .patch("/admin/v1/tenants/" + tenantId).then().statusCode(200);
    }
}
