package dev.wharf.runtime.http;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/** Reads JSON request bodies and writes JSON answers. */
public final class JsonExchange {

    /**
     * Request documents are commands and their options, never file content (that is streamed), so
     * anything larger is a mistake and is refused before it costs heap.
     */
    public static final int MAX_REQUEST_BYTES = 1 << 20;

    private static final String CONTENT_TYPE = "application/json";
    private static final int OK = 200;
    /** Tells the server to stream the answer with chunked encoding instead of a known length. */
    private static final long CHUNKED = 0;

    private JsonExchange() {
    }

    /** The request body, which must be one JSON object. */
    public static Map<String, Object> readObject(HttpExchange exchange) throws IOException {
        byte[] body = readBounded(exchange.getRequestBody());
        if (body.length == 0) {
            throw RequestException.invalid("request body must be a JSON object");
        }
        Object parsed;
        try {
            parsed = JSON.std.anyFrom(body);
        } catch (IOException e) {
            throw RequestException.invalid("request body is not valid JSON");
        }
        if (!(parsed instanceof Map)) {
            throw RequestException.invalid("request body must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) parsed;
        return object;
    }

    /** Answers 200 with {@code body} as JSON. */
    public static void ok(HttpExchange exchange, Object body) throws IOException {
        send(exchange, OK, body);
    }

    /**
     * Streams {@code body} (maps, lists, strings, numbers, booleans) as JSON. Streaming means a
     * large exec output is never held a second time as encoded bytes.
     */
    public static void send(HttpExchange exchange, int status, Object body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, CHUNKED);
        try (OutputStream out = exchange.getResponseBody()) {
            JSON.std.write(body, out);
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_REQUEST_BYTES + 1);
        if (body.length > MAX_REQUEST_BYTES) {
            throw new RequestException(ErrorStatus.RESOURCE_EXHAUSTED,
                    "request body is larger than " + MAX_REQUEST_BYTES + " bytes");
        }
        return body;
    }
}
