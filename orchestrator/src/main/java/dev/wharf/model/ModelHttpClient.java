package dev.wharf.model;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The HTTP side every model provider shares: one pooled Vert.x client per provider, JSON POSTs, SSE streams
 * and the translation of every failure into a {@link ModelProviderException} that is safe to show (the API
 * key is scrubbed from anything the provider echoes). Everything completes on the caller's Vert.x context,
 * because the Vert.x client calls back on the context the request was made from.
 */
final class ModelHttpClient implements AutoCloseable {
    /** Error bodies that are not JSON are quoted up to this many characters: enough to diagnose, not a page of HTML. */
    private static final int MAX_QUOTED_ERROR_CHARS = 500;

    private final Vertx vertx;
    private final String provider;
    private final ModelConfig.Endpoint endpoint;
    private final HttpClient http;

    ModelHttpClient(Vertx vertx, String provider, ModelConfig.Endpoint endpoint) {
        this.vertx = vertx;
        this.provider = provider;
        this.endpoint = endpoint;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) endpoint.connectTimeout().toMillis())
                        // A connection silent for a whole request timeout is dead and is dropped. The grace of
                        // one connect timeout lets the per-call timers (same length: the request's idle timeout,
                        // the stream's SilenceWatchdog) fire first, so the caller is told "timed out" rather
                        // than "connection closed".
                        .setIdleTimeout((int) endpoint.requestTimeout().plus(endpoint.connectTimeout()).toMillis())
                        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(endpoint.maxConnections()));
    }

    /** Strips the trailing slash people often leave on a base URL. */
    String baseUrl() {
        String base = endpoint.baseUrl().trim();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    @Override
    public void close() {
        http.close();
    }

    /** POSTs {@code body} and returns the JSON reply; non-2xx answers fail with the provider's message. */
    Uni<JsonObject> postJson(String url, MultiMap headers, JsonObject body) {
        return Uni.createFrom().deferred(() -> {
            AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
            return Uni.createFrom().<JsonObject>emitter(emitter -> onContext(() ->
                            http.request(options(url, headers, "application/json"))
                                    .compose(request -> {
                                        sent.set(request);
                                        return request.send(body.toBuffer());
                                    })
                                    .compose(response -> response.body()
                                            .compose(bytes -> jsonReply(response.statusCode(), bytes)))
                                    .onSuccess(emitter::complete)
                                    .onFailure(emitter::fail)))
                    // A caller that gives up should not leave the model generating (and billing) on.
                    .onCancellation().invoke(() -> reset(sent.get()));
        }).onFailure().transform(this::toProviderException);
    }

    private Future<JsonObject> jsonReply(int status, Buffer bytes) {
        if (status / 100 != 2) {
            return Future.failedFuture(providerError(status, bytes));
        }
        try {
            return Future.succeededFuture(bytes.toJsonObject());
        } catch (RuntimeException notJson) {
            return Future.failedFuture(new ModelProviderException(provider, status,
                    provider + " answered " + status + " with a body that is not JSON"));
        }
    }

    /**
     * Starts a request so that its callbacks cannot overtake the code that registers them. A Vert.x context
     * runs its tasks one at a time, so a chain built inside a task of the context that will deliver the
     * response is complete before the response can be handled. Built on any other thread (a test's, a plain
     * executor's), a fast reply on a pooled connection can arrive before the handlers are attached and its
     * body is lost.
     */
    private void onContext(Runnable start) {
        if (Vertx.currentContext() != null) {
            start.run();
        } else {
            vertx.getOrCreateContext().runOnContext(ignored -> start.run());
        }
    }

    /**
     * POSTs {@code body} and feeds the SSE reply, event by event, to a fresh {@link StreamDecoder}. The decoder
     * emits deltas as they arrive; when the stream ends (or the decoder says the protocol's last event came)
     * the assembled reply is emitted as the one {@link ModelEvent.Completed}. Cancelling the subscription
     * resets the HTTP request.
     */
    Multi<ModelEvent> postSse(String url, MultiMap headers, JsonObject body, Supplier<StreamDecoder> decoders) {
        return Multi.createFrom().<ModelEvent>emitter(emitter -> {
            StreamDecoder decoder = decoders.get();
            AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
            AtomicBoolean finished = new AtomicBoolean();
            Consumer<Throwable> fail = failure -> {
                if (finished.compareAndSet(false, true)) {
                    reset(sent.get());
                    emitter.fail(toProviderException(failure));
                }
            };
            Runnable complete = () -> {
                if (finished.compareAndSet(false, true)) {
                    emitter.emit(new ModelEvent.Completed(decoder.finish()));
                    emitter.complete();
                }
            };
            SilenceWatchdog watchdog = new SilenceWatchdog(
                    () -> fail.accept(new TimeoutException("no data for " + describe(endpoint.requestTimeout()))));
            // Runs on completion, failure and cancellation alike.
            emitter.onTermination(() -> {
                watchdog.stop();
                if (finished.compareAndSet(false, true)) {
                    reset(sent.get());
                }
            });
            onContext(() -> http.request(options(url, headers, "text/event-stream"))
                    .compose(request -> {
                        sent.set(request);
                        return request.send(body.toBuffer());
                    })
                    .onFailure(fail::accept)
                    .onSuccess(response -> {
                        if (response.statusCode() / 100 != 2) {
                            response.body().onComplete(bytes -> fail.accept(bytes.succeeded()
                                    ? providerError(response.statusCode(), bytes.result())
                                    : bytes.cause()));
                            return;
                        }
                        read(response, decoder, emitter, watchdog, finished, fail, complete);
                    }));
        });
    }

    private void read(HttpClientResponse response, StreamDecoder decoder, MultiEmitter<? super ModelEvent> emitter,
                      SilenceWatchdog watchdog, AtomicBoolean finished, Consumer<Throwable> fail, Runnable complete) {
        SseParser parser = new SseParser(event -> {
            if (finished.get()) {
                return;
            }
            try {
                if (decoder.accept(event, emitter::emit)) {
                    complete.run();
                }
            } catch (RuntimeException failure) {
                fail.accept(failure);
            }
        });
        watchdog.restart();
        response.handler(buffer -> {
            watchdog.restart();
            parser.feed(buffer.getBytes());
        });
        response.exceptionHandler(fail::accept);
        response.endHandler(ignored -> {
            try {
                parser.end();
            } catch (RuntimeException failure) {
                fail.accept(failure);
            }
            complete.run();
        });
    }

    /**
     * The request's idle timeout covers only the wait for the response head; once a stream has begun, this
     * timer fails the call when no chunk arrives for a whole request timeout (a model that hangs mid-answer).
     * Timers set from a context fire on it, so it never races the response handlers.
     */
    private final class SilenceWatchdog {
        private final AtomicLong timer = new AtomicLong(-1);
        private final Runnable onSilence;
        private volatile boolean stopped;

        SilenceWatchdog(Runnable onSilence) {
            this.onSilence = onSilence;
        }

        void restart() {
            if (stopped) {
                return;
            }
            cancel();
            timer.set(vertx.setTimer(endpoint.requestTimeout().toMillis(), id -> onSilence.run()));
        }

        void stop() {
            stopped = true;
            cancel();
        }

        private void cancel() {
            long id = timer.getAndSet(-1);
            if (id >= 0) {
                vertx.cancelTimer(id);
            }
        }
    }

    /** Fails before any network traffic when a provider that needs a key has none; names the variable to set. */
    String requireApiKey(String environmentVariable) {
        return endpoint.apiKey().filter(key -> !key.isBlank()).orElseThrow(() -> new ModelProviderException(
                provider, 401, provider + " has no API key: set " + environmentVariable + " (or wharf.models."
                + provider + ".api-key) on the Wharf server"));
    }

    private RequestOptions options(String url, MultiMap headers, String accept) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(url)
                // The time to get a connection: waiting for one of max-connections to come free, then opening it
                // (the TCP/TLS part alone is bounded by the client's connect timeout).
                .setConnectTimeout(endpoint.queueTimeout().plus(endpoint.connectTimeout()).toMillis())
                // No byte for this long (first byte, or next stream chunk) fails the call.
                .setIdleTimeout(endpoint.requestTimeout().toMillis())
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", accept);
        headers.forEach(options::putHeader);
        return options;
    }

    /** The provider said no: keep its status and its own words, parsed from the usual {@code error.message}. */
    ModelProviderException providerError(int status, Buffer body) {
        String message = null;
        try {
            JsonObject json = body.toJsonObject();
            Object error = json.getValue("error");
            if (error instanceof JsonObject object) {
                message = object.getString("message");
            } else if (error instanceof String text) {
                message = text; // Ollama and some proxies answer {"error": "..."}
            }
            if (message == null && json.getValue("detail") instanceof String detail) {
                message = detail; // FastAPI-based servers
            }
            if (message == null && json.getValue("message") instanceof String text) {
                message = text;
            }
        } catch (RuntimeException notJson) {
            // Quote the body instead.
        }
        if (message == null) {
            String text = body.toString().strip();
            message = text.isEmpty() ? "no error message"
                    : text.substring(0, Math.min(text.length(), MAX_QUOTED_ERROR_CHARS));
        }
        return new ModelProviderException(provider, status, provider + " answered " + status + ": " + redact(message));
    }

    /** Anything that is not already a provider answer is a transport failure: status 0. */
    ModelProviderException toProviderException(Throwable failure) {
        if (failure instanceof ModelProviderException known) {
            return known;
        }
        String target = describeTarget();
        String message;
        if (failure instanceof TimeoutException) {
            message = provider + " did not answer within " + describe(endpoint.requestTimeout()) + " (" + target + ")";
        } else {
            String cause = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
            message = provider + " is unreachable at " + target + ": " + redact(cause);
        }
        return new ModelProviderException(provider, 0, message, failure);
    }

    /** Scheme, host and port only: enough to find the misconfiguration, nothing from the path or query. */
    private String describeTarget() {
        try {
            URI uri = URI.create(baseUrl());
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        } catch (RuntimeException invalid) {
            return "the configured base URL";
        }
    }

    private static String describe(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    private String redact(String text) {
        String key = endpoint.apiKey().orElse("");
        return key.isBlank() ? text : text.replace(key, "[redacted]");
    }

    private static void reset(HttpClientRequest request) {
        if (request != null) {
            request.reset();
        }
    }

    /**
     * Turns one protocol's SSE events into neutral deltas and, at the end, the assembled reply. One instance
     * per call; called only from that call's context.
     */
    interface StreamDecoder {

        /** Handles one event, emitting deltas to {@code sink}; true when it was the protocol's last event. */
        boolean accept(SseParser.Event event, Consumer<ModelEvent> sink);

        /** The whole reply, once the stream is over. */
        ModelResponse finish();
    }
}
