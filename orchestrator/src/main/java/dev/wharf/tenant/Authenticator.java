package dev.wharf.tenant;

import dev.wharf.api.AdmittedTenant;
import dev.wharf.api.ApiStatus;
import dev.wharf.api.ErrorBody;
import dev.wharf.api.HeldRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Every request to the API is authenticated before routing. Public API paths ({@code /v1}, {@code /v1beta},
 * {@code /upload/...}) need a tenant's API key, in the contract's three places: the {@code x-goog-api-key}
 * header, {@code Authorization: Bearer}, or {@code ?key=}. The admin API ({@code /admin/v1}) needs the admin key
 * from configuration and is closed without one, and so are the Prometheus metrics ({@code /q/metrics}): they name
 * tenants and their costs. Health and the OpenAPI document ({@code /q/health}, {@code /q/openapi}) are open: they
 * carry no tenant data.
 *
 * <p>Paths are classified as the router will match them ({@link RoutingContext#normalizedPath()}: dot segments
 * removed, unreserved escapes decoded), so {@code /x/../q/metrics} or {@code /q/%6Detrics} cannot reach a route
 * this filter took for another one.
 */
@ApplicationScoped
public class Authenticator {
    private static final Logger LOG = Logger.getLogger(Authenticator.class);
    /** After the sandbox caller guard, before every API route. */
    private static final int ROUTE_ORDER = -900;
    private static final Pattern ADMIN_PATH = Pattern.compile("^(?:.*?)/admin/v1(?:/.*)?$");
    private static final Pattern API_PATH = Pattern.compile("^(?:.*?)/(?:upload/)?(?:v1|v1beta)(?:/.*)?$");
    /** Quarkus' Prometheus route (quarkus.micrometer.export.prometheus.path); the router folds repeated slashes. */
    private static final String METRICS_PATH = "/q/metrics";
    private static final String KEY_HEADER = "x-goog-api-key";
    private static final String BEARER = "bearer ";
    /** A key's last use is written at most this often, so a busy key does not cost a write per request. */
    private static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);

    private final TenantRepository tenants;
    private final AuthConfig config;
    private final Clock clock;

    public Authenticator(TenantRepository tenants, AuthConfig config, Clock clock) {
        this.tenants = tenants;
        this.config = config;
        this.clock = clock;
    }

    void register(@Observes Router router) {
        router.route().order(ROUTE_ORDER).handler(this::authenticate);
    }

    private void authenticate(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (path.replaceAll("/{2,}", "/").startsWith(METRICS_PATH)) {
            admin(ctx);
        } else if (path.startsWith("/q/")) {
            ctx.next();
        } else if (ADMIN_PATH.matcher(path).matches()) {
            admin(ctx);
        } else if (API_PATH.matcher(path).matches()) {
            tenant(ctx);
        } else {
            ctx.next();
        }
    }

    private void admin(RoutingContext ctx) {
        String configured = config.adminKey().filter(key -> !key.isBlank()).orElse(null);
        if (configured == null) {
            refuse(ctx, ApiStatus.PERMISSION_DENIED, "the admin API and metrics are disabled: start Wharf with"
                    + " WHARF_ADMIN_KEY set to enable them");
            return;
        }
        String presented = presentedKey(ctx.request());
        if (presented == null) {
            refuse(ctx, ApiStatus.UNAUTHENTICATED, "the admin API and metrics need the admin key (x-goog-api-key"
                    + " header, Authorization: Bearer, or ?key=)");
        } else if (!ApiKeySecrets.sameSecret(presented, configured)) {
            refuse(ctx, ApiStatus.UNAUTHENTICATED, "that is not the admin key");
        } else {
            ctx.next();
        }
    }

    private void tenant(RoutingContext ctx) {
        String presented = presentedKey(ctx.request());
        if (presented == null) {
            refuse(ctx, ApiStatus.UNAUTHENTICATED, "an API key is required: send it in the x-goog-api-key header,"
                    + " as Authorization: Bearer <key>, or as ?key=<key>");
            return;
        }
        HeldRequest.await(ctx, tenants.findByKeyHash(ApiKeySecrets.hash(presented)), found -> {
            if (found.isEmpty()) {
                refuse(ctx, ApiStatus.UNAUTHENTICATED, "API key not valid: it is unknown or has been revoked");
                return;
            }
            ctx.put(Caller.TENANT, found.get().tenant());
            AdmittedTenant.set(ctx, found.get().tenant().id());
            touch(found.get());
            ctx.next();
        }, "the API key could not be checked; try again");
    }

    private void touch(TenantRepository.Authenticated key) {
        Instant now = clock.instant();
        if (key.keyLastUsed() == null || key.keyLastUsed().plus(LAST_USED_RESOLUTION).isBefore(now)) {
            tenants.touchKey(key.keyId(), now).subscribe().with(done -> { },
                    failure -> LOG.debugf("could not record the use of key %s: %s", key.keyId(), failure.getMessage()));
        }
    }

    /** The key from the header, the bearer token or the query, in that order of preference. */
    static String presentedKey(HttpServerRequest request) {
        String header = request.getHeader(KEY_HEADER);
        if (header != null && !header.isBlank()) {
            return header.trim();
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = authorization.substring(BEARER.length()).trim();
            if (!token.isEmpty()) {
                return token;
            }
        }
        String query = request.getParam("key");
        return query == null || query.isBlank() ? null : query.trim();
    }

    private static void refuse(RoutingContext ctx, ApiStatus status, String message) {
        ErrorBody.send(ctx.response(), status, message);
    }
}
