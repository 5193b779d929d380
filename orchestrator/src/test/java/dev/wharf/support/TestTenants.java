package dev.wharf.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import java.util.Map;

/**
 * Every test talks to an authenticated API. The control plane under test registers {@link #DEFAULT_KEY} for the
 * default tenant (as a deployment does with WHARF_API_KEY) and opens the admin API with {@link #ADMIN_KEY};
 * RestAssured sends the default key on every request that carries no key of its own (a test that must send
 * none uses {@code given().noFilters()}).
 */
public class TestTenants implements QuarkusTestResourceLifecycleManager {
    public static final String DEFAULT_KEY = "wharf_testdefaulttenantkey0000000000000000";
    public static final String ADMIN_KEY = "wharf-test-admin-key";
    public static final String KEY_HEADER = "x-goog-api-key";

    private static final Filter DEFAULT_KEY_FILTER = (request, response, context) -> {
        boolean keyed = request.getHeaders().hasHeaderWithName(KEY_HEADER)
                || request.getHeaders().hasHeaderWithName("Authorization")
                || request.getQueryParams().containsKey("key");
        if (!keyed) {
            request.header(KEY_HEADER, DEFAULT_KEY);
        }
        return context.next(request, response);
    };

    @Override
    public Map<String, String> start() {
        RestAssured.filters(DEFAULT_KEY_FILTER);
        return Map.of("wharf.auth.bootstrap-key", DEFAULT_KEY, "wharf.auth.admin-key", ADMIN_KEY);
    }

    @Override
    public void stop() {
        RestAssured.replaceFiltersWith(java.util.List.of());
    }
}
