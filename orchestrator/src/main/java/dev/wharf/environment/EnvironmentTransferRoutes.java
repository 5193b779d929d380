package dev.wharf.environment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import dev.wharf.api.ErrorBody;
import dev.wharf.api.MethodNotAllowed;
import dev.wharf.api.PublicUrl;
import dev.wharf.api.ResourceIds;
import dev.wharf.platform.SafeContext;
import dev.wharf.sandbox.ByteSize;
import dev.wharf.tenant.Caller;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * File bytes in and out of a workspace, streamed with back-pressure between the caller and the sandbox daemon:
 * neither direction holds a file in memory. Downloads: {@code GET .../files/{path}?alt=media}. Uploads:
 * {@code PUT /upload/v1/environments/{id}/files/{path}} with the raw bytes, or the resumable protocol the SDKs use
 * ({@code X-Goog-Upload-Command: start}, then {@code upload, finalize} on the returned URL).
 */
@ApplicationScoped
public class EnvironmentTransferRoutes {
    private static final Logger LOG = Logger.getLogger(EnvironmentTransferRoutes.class);
    /** Before the JAX-RS routes, which would otherwise read the body into memory. */
    private static final int ROUTE_ORDER = -50;
    private static final String DOWNLOAD =
            "^(?:.*?)/(?<version>v1|v1beta)/environments/(?<id>[^/]+)/files/(?<path>.+?)/?$";
    private static final String UPLOAD =
            "^(?:.*?)/upload/(?<version>v1|v1beta)/environments/(?<id>[^/]+)/files/(?<path>.+?)/?$";
    private static final String UPLOAD_PROTOCOL = "X-Goog-Upload-Protocol";
    private static final String UPLOAD_COMMAND = "X-Goog-Upload-Command";
    private static final String UPLOAD_OFFSET = "X-Goog-Upload-Offset";
    private static final String UPLOAD_STATUS = "X-Goog-Upload-Status";
    private static final String UPLOAD_URL = "X-Goog-Upload-URL";
    private static final int UPLOAD_ID_CHARS = 20;

    private final EnvironmentService environments;
    private final long maxUploadBytes;
    private final ObjectMapper mapper;
    private final PublicUrl publicUrl;

    public EnvironmentTransferRoutes(EnvironmentService environments, EnvironmentConfig config, ObjectMapper mapper,
            PublicUrl publicUrl) {
        this.environments = environments;
        this.mapper = mapper;
        this.publicUrl = publicUrl;
        this.maxUploadBytes = ByteSize.parse(config.maxUploadSize());
    }

    void register(@Observes Router router) {
        router.routeWithRegex(HttpMethod.GET, DOWNLOAD).order(ROUTE_ORDER).handler(this::download);
        router.routeWithRegex(HttpMethod.PUT, UPLOAD).order(ROUTE_ORDER).handler(this::upload);
        router.routeWithRegex(HttpMethod.POST, UPLOAD).order(ROUTE_ORDER).handler(this::upload);
        // Any other method on an upload path: 405 (downloads share their path with JAX-RS, which answers those).
        router.routeWithRegex(UPLOAD).order(ROUTE_ORDER + 1).handler(ctx -> {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close"); // a body it was sent is not read
            MethodNotAllowed.send(ctx, "POST, PUT");
        });
    }

    private void download(RoutingContext ctx) {
        if (!"media".equals(ctx.request().getParam("alt"))) {
            ctx.next();
            return;
        }
        SafeContext.run(() -> environments.openFile(Caller.tenantId(ctx), ctx.pathParam("id"), ctx.pathParam("path"))).subscribe().with(
                source -> pipe(source, ctx.response()),
                failure -> fail(ctx, failure));
    }

    private static void pipe(HttpClientResponse source, HttpServerResponse target) {
        target.setStatusCode(200);
        copyHeader(source, target, HttpHeaders.CONTENT_TYPE.toString());
        copyHeader(source, target, HttpHeaders.CONTENT_LENGTH.toString());
        if (target.headers().get(HttpHeaders.CONTENT_LENGTH) == null) {
            target.setChunked(true);
        }
        source.pipeTo(target).onFailure(e -> LOG.debugf("download interrupted: %s", e.getMessage()));
    }

    private static void copyHeader(HttpClientResponse source, HttpServerResponse target, String name) {
        String value = source.getHeader(name);
        if (value != null) {
            target.putHeader(name, value);
        }
    }

    private void upload(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.pause();
        String command = header(request, UPLOAD_COMMAND);
        boolean resumable = "resumable".equalsIgnoreCase(header(request, UPLOAD_PROTOCOL))
                || request.getParam("upload_id") != null;
        if (resumable && command.contains("start")) {
            startResumable(ctx);
            return;
        }
        if (resumable && !command.contains("finalize")) {
            failNow(ctx, ApiException.invalidArgument(
                    "multi-request chunked uploads are not supported; send the whole file with 'upload, finalize'"));
            return;
        }
        String offset = header(request, UPLOAD_OFFSET);
        if (!offset.isEmpty() && !"0".equals(offset)) {
            failNow(ctx, ApiException.invalidArgument("X-Goog-Upload-Offset must be 0"));
            return;
        }
        Long length = contentLength(request);
        if (length != null && length > maxUploadBytes) {
            failNow(ctx, ApiException.invalidArgument("file is " + length + " bytes; the upload limit is "
                    + maxUploadBytes + " bytes"));
            return;
        }
        SafeContext.run(() -> environments.writeFile(Caller.tenantId(ctx), ctx.pathParam("id"), ctx.pathParam("path"), request, length))
                .subscribe().with(
                        entry -> {
                            if (resumable) {
                                ctx.response().putHeader(UPLOAD_STATUS, "final");
                            }
                            json(ctx.response(), 200, encode(entry));
                        },
                        failure -> fail(ctx, failure));
    }

    /**
     * Answers the start of a resumable upload with the URL to send the bytes to; no state is kept server-side. The
     * URL is the configured public URL plus this path from {@code /upload/} on (a client's own path prefix is
     * dropped: the public URL carries the prefix a proxy needs), never the request's Host header.
     */
    private void startResumable(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        SafeContext.run(() -> environments.get(Caller.tenantId(ctx), ctx.pathParam("id"))).subscribe().with(env -> {
            String path = request.path();
            String url = publicUrl.base() + path.substring(path.indexOf("/upload/"))
                    + "?upload_id=" + ResourceIds.randomToken(UPLOAD_ID_CHARS);
            request.resume();
            request.end().onComplete(done -> ctx.response()
                    .putHeader(UPLOAD_URL, url)
                    .putHeader(UPLOAD_STATUS, "active")
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .setStatusCode(200)
                    .end("{}"));
        }, failure -> fail(ctx, failure));
    }

    private static Long contentLength(HttpServerRequest request) {
        String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String header(HttpServerRequest request, String name) {
        String value = request.getHeader(name);
        return value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    }

    private static void failNow(RoutingContext ctx, ApiException error) {
        // The body was not read; closing after the reply avoids reading a large upload just to discard it.
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        fail(ctx, error);
    }

    private static void fail(RoutingContext ctx, Throwable failure) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten()) {
            response.reset();
            return;
        }
        if (ApiException.unexpected(failure)) {
            LOG.error("file transfer failed", failure);
        }
        ErrorBody.send(response, ApiException.of(failure));
    }

    private static void json(HttpServerResponse response, int status, String body) {
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }

    /** Same mapper, so the same snake_case shape, as the JAX-RS resources. */
    private String encode(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
