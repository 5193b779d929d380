package dev.wharf.sandbox;

import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The control plane's side of the channel to the agent-runtime daemon inside each sandbox: HTTP on the
 * sandbox network, a per-sandbox bearer token, the contract's error envelope on failures. Non-blocking:
 * answers arrive on the caller's Vert.x context.
 */
@ApplicationScoped
public class SandboxDaemonClient {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SandboxDaemonClient.class);
    private static final int MAX_POOL_SIZE = 256;
    private static final Duration READY_POLL_INTERVAL = Duration.ofMillis(50);

    private final HttpClient http;
    private final SandboxConfig config;

    public SandboxDaemonClient(Vertx vertx, SandboxConfig config) {
        this.config = config;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.daemonRequestTimeout().toMillis())
                .setMaxPoolSize(MAX_POOL_SIZE)
                .setKeepAlive(true));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** Polls the daemon's health endpoint until it answers or {@code timeout} passes. */
    public Uni<Void> awaitReady(String address, Duration timeout) {
        return Uni.createFrom().completionStage(() -> call(HttpMethod.GET, address + "/health", null,
                        READY_POLL_INTERVAL.multipliedBy(10), null).toCompletionStage())
                .onFailure().retry().withBackOff(READY_POLL_INTERVAL, READY_POLL_INTERVAL.multipliedBy(4))
                .expireIn(timeout.toMillis())
                .replaceWithVoid();
    }

    /** One health check: succeeds when the daemon answers within {@code timeout}, fails as unreachable otherwise. */
    public Uni<Void> health(String address, Duration timeout) {
        return json(HttpMethod.GET, address + "/health", null, null, timeout).replaceWithVoid();
    }

    /** Runs a command; the HTTP timeout is the command's own timeout plus a margin for the reply. */
    public Uni<JsonObject> exec(String address, String token, JsonObject request, Duration commandTimeout) {
        return json(HttpMethod.POST, address + "/exec", token, request, commandTimeout.plus(config.daemonRequestTimeout()));
    }

    public Uni<JsonObject> listFiles(String address, String token, String path, boolean recursive) {
        return json(HttpMethod.GET, address + "/files?path=" + encode(path) + "&recursive=" + recursive, token, null,
                config.daemonRequestTimeout());
    }

    public Uni<JsonObject> usage(String address, String token) {
        return json(HttpMethod.GET, address + "/usage", token, null, config.daemonRequestTimeout());
    }

    /** Starts an agent run; the daemon answers at once and the loop runs on in the sandbox. */
    public Uni<JsonObject> startRun(String address, String token, JsonObject request) {
        return json(HttpMethod.POST, address + "/agent/runs", token, request, config.daemonRequestTimeout());
    }

    public Uni<JsonObject> runStatus(String address, String token, String runId) {
        return json(HttpMethod.GET, address + "/agent/runs/" + encode(runId), token, null,
                config.daemonRequestTimeout());
    }

    public Uni<JsonObject> cancelRun(String address, String token, String runId) {
        return json(HttpMethod.POST, address + "/agent/runs/" + encode(runId) + "/cancel", token, new JsonObject(),
                config.daemonRequestTimeout());
    }

    public Uni<JsonObject> deleteFile(String address, String token, String path) {
        return json(HttpMethod.DELETE, address + "/files?path=" + encode(path), token, null, config.daemonRequestTimeout());
    }

    /** Writes a file from a stream, never holding it whole: the body is piped with back-pressure. */
    public Uni<JsonObject> writeFile(String address, String token, String path, ReadStream<Buffer> body,
                                     Long contentLength, Duration timeout) {
        RequestOptions options = options(HttpMethod.PUT, address + "/files/content?path=" + encode(path), token, timeout);
        Future<JsonObject> result = http.request(options).compose(request -> {
            if (contentLength != null) {
                request.putHeader("Content-Length", contentLength.toString());
            } else {
                request.setChunked(true);
            }
            return request.send(body).compose(SandboxDaemonClient::jsonBody);
        });
        return toUni(result, address);
    }

    /** Writes a small file whose bytes are already in memory (sources, tests). */
    public Uni<JsonObject> writeFile(String address, String token, String path, Buffer content) {
        RequestOptions options = options(HttpMethod.PUT, address + "/files/content?path=" + encode(path), token,
                config.daemonRequestTimeout());
        return toUni(http.request(options).compose(request -> request.send(content))
                .compose(SandboxDaemonClient::jsonBody), address);
    }

    /**
     * Opens a file for reading. On success the caller owns the response stream and must consume or reset it;
     * on a daemon error the failure carries the daemon's status and message.
     */
    public Uni<HttpClientResponse> openFile(String address, String token, String path, Duration timeout) {
        RequestOptions options = options(HttpMethod.GET, address + "/files/content?path=" + encode(path), token, timeout);
        Future<HttpClientResponse> result = http.request(options).compose(request -> request.send().compose(response -> {
            if (response.statusCode() == 200) {
                response.pause();
                return Future.succeededFuture(response);
            }
            return response.body().compose(body -> Future.failedFuture(daemonError(response.statusCode(), body)));
        }));
        return toUni(result, address);
    }

    private Uni<JsonObject> json(HttpMethod method, String url, String token, JsonObject body, Duration timeout) {
        return toUni(call(method, url, token, timeout, body), url);
    }

    private Future<JsonObject> call(HttpMethod method, String url, String token, Duration timeout, JsonObject body) {
        return http.request(options(method, url, token, timeout)).compose(request -> {
            Future<HttpClientResponse> sent = body == null ? request.send()
                    : request.putHeader("Content-Type", "application/json").send(body.toBuffer());
            return sent.compose(SandboxDaemonClient::jsonBody);
        });
    }

    private RequestOptions options(HttpMethod method, String url, String token, Duration timeout) {
        RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url)
                .setIdleTimeout(timeout.toMillis());
        if (token != null) {
            options.putHeader("Authorization", "Bearer " + token);
        }
        return options;
    }

    private static Future<JsonObject> jsonBody(HttpClientResponse response) {
        return response.body().compose(body -> {
            if (response.statusCode() / 100 == 2) {
                return Future.succeededFuture(body.length() == 0 ? new JsonObject() : body.toJsonObject());
            }
            return Future.failedFuture(daemonError(response.statusCode(), body));
        });
    }

    /**
     * The daemon speaks the public error envelope. Its refusals of the caller's request (400, 404, 413, 429) pass through
     * with their message, which the daemon keeps free of internals. Anything else (a 5xx, or a 401/403/405 that means
     * the control plane itself called wrongly) is the platform's fault: the caller gets 503 UNAVAILABLE with a generic
     * message, and the daemon's own words go to the log only.
     */
    private static RuntimeException daemonError(int statusCode, Buffer body) {
        String message = "sandbox daemon answered " + statusCode;
        String status = null;
        try {
            JsonObject error = body.toJsonObject().getJsonObject("error");
            if (error != null) {
                message = error.getString("message", message);
                status = error.getString("status");
            }
        } catch (RuntimeException notJson) {
            // Keep the generic message.
        }
        if (statusCode == 404) {
            return new ApiException(ApiStatus.NOT_FOUND, message);
        }
        if (statusCode == 400) {
            ApiStatus apiStatus = "FAILED_PRECONDITION".equals(status) ? ApiStatus.FAILED_PRECONDITION
                    : ApiStatus.INVALID_ARGUMENT;
            return new ApiException(apiStatus, message);
        }
        if (statusCode == 413) {
            return new ApiException(ApiStatus.REQUEST_TOO_LARGE, message);
        }
        if (statusCode == 429) {
            // The sandbox is busy (process limit, commands at once): the caller may retry.
            return ApiException.exhausted(message, ApiException.RETRY_SHORTLY);
        }
        LOG.warnf("sandbox daemon answered %d %s: %s", statusCode, status, message);
        return new ApiException(ApiStatus.UNAVAILABLE, "the sandbox could not carry out the request; retry, or"
                + " recreate the environment if it keeps failing");
    }

    private static <T> Uni<T> toUni(Future<T> future, String target) {
        return Uni.createFrom().completionStage(future.toCompletionStage())
                .onFailure(failure -> !(failure instanceof ApiException))
                .transform(failure -> new SandboxUnreachableException(
                        "sandbox daemon unreachable at " + target + ": " + failure.getMessage(), failure));
    }

    private static String encode(String path) {
        return URLEncoder.encode(path, StandardCharsets.UTF_8);
    }
}
