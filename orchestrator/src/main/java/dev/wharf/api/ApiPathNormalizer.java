package dev.wharf.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The SDKs are pointed at a base URL that may carry a path prefix and may add a trailing slash.
 * Before routing, everything before the API version segment is dropped and a trailing slash removed,
 * so {@code /gateway/v1beta/environments/} routes like {@code /v1beta/environments} (and
 * {@code /gateway/admin/v1/tenants} like {@code /admin/v1/tenants}).
 */
public class ApiPathNormalizer {
    private static final Pattern ADMIN = Pattern.compile("^.*?(/admin/v1(?:/.*)?)$");
    private static final Pattern VERSIONED = Pattern.compile("^.*?(/(?:upload/)?(?:v1|v1beta)(?:/.*)?)$");

    @ServerRequestFilter(preMatching = true)
    public void normalize(ContainerRequestContext request) {
        URI uri = request.getUriInfo().getRequestUri();
        String path = uri.getRawPath();
        String normalized = normalize(path);
        if (!normalized.equals(path)) {
            request.setRequestUri(URI.create(normalized + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())));
        }
    }

    static String normalize(String path) {
        if (path.startsWith("/q/")) {
            return path;
        }
        String result = path;
        Matcher admin = ADMIN.matcher(result);
        Matcher matcher = VERSIONED.matcher(result);
        if (admin.matches()) {
            result = admin.group(1);
        } else if (matcher.matches()) {
            result = matcher.group(1);
        }
        while (result.length() > 1 && result.endsWith("/")) {
            result = result.substring(0, result.length() - 1);
        }
        return result;
    }
}
