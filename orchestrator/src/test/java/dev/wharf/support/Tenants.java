package dev.wharf.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
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

    /**
     * Makes the interactions, environments and webhooks created while it is open belong to {@code tenantId}, by
     * pointing the tenant_id column default at it. Needed only while inserts rely on that default (before every
     * insert names the caller's tenant); afterwards the default is never used and this changes nothing.
     */
    public static AutoCloseable ownNewRows(Pool pool, String tenantId) {
        setDefault(pool, "'" + tenantId.replace("'", "''") + "'");
        return () -> setDefault(pool, "'default'");
    }

    private static void setDefault(Pool pool, String literal) {
        for (String table : new String[] {"interaction", "environment", "webhook"}) {
            pool.query("ALTER TABLE " + table + " ALTER COLUMN tenant_id SET DEFAULT " + literal).execute()
                    .await().indefinitely();
        }
    }
}
