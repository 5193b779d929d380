package dev.wharf.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;

/** Tenants made through the admin API, and requests made as them. */
public final class Tenants {
    private Tenants() {
    }

    /** A new tenant with its own API key. */
    public record Created(String id, String key) {
        /** A request authenticated as this tenant. */
        public RequestSpecification as() {
            return given().header(TestTenants.KEY_HEADER, key);
        }
    }

    public static Created create(String prefix) {
        String id = prefix + "-" + Long.toString(System.nanoTime(), 36);
        given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body(Map.of("id", id, "name", id)).post("/admin/v1/tenants").then().statusCode(200);
        String key = given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body(Map.of("name", "test")).post("/admin/v1/tenants/" + id + "/keys").then().statusCode(200)
                .extract().path("key");
        return new Created(id, key);
    }

    public static RequestSpecification admin() {
        return given().header(TestTenants.KEY_HEADER, TestTenants.ADMIN_KEY);
    }
}
