package dev.wharf.runtime;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Calls a running daemon over real HTTP, the way the control plane does. */
public final class ApiClient {

    private static final Duration REQUEST_LIMIT = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;
    private final String token;

    public ApiClient(int port, String token) {
        this.port = port;
        this.token = token;
    }

    /** The same daemon, called with another token, or none when null. */
    public ApiClient withToken(String token) {
        return new ApiClient(port, token);
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public ApiResponse get(String pathAndQuery) {
        return send(request(pathAndQuery).GET());
    }

    public ApiResponse delete(String pathAndQuery) {
        return send(request(pathAndQuery).DELETE());
    }

    public ApiResponse post(String pathAndQuery, Object json) {
        return send(request(pathAndQuery).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(toJson(json))));
    }

    public ApiResponse postRaw(String pathAndQuery, String body) {
        return send(request(pathAndQuery).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public ApiResponse put(String pathAndQuery, HttpRequest.BodyPublisher body) {
        return send(request(pathAndQuery).PUT(body));
    }

    public ApiResponse method(String method, String pathAndQuery) {
        return send(request(pathAndQuery).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    /** {@code POST /exec} with a JSON body. */
    public ApiResponse exec(Object request) {
        return post("/exec", request);
    }

    public HttpClient http() {
        return http;
    }

    public HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(REQUEST_LIMIT);
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    public ApiResponse send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new ApiResponse(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] toJson(Object json) {
        try {
            return JSON.std.asBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
