package dev.wharf.runtime.files;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.http.JsonExchange;
import dev.wharf.runtime.http.QueryParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * {@code /files} and {@code /files/content}: workspace files over HTTP. The path is always the
 * {@code path} query parameter, relative to the workspace; absent or empty means the workspace.
 */
public final class FilesResource {

    private static final int OK = 200;
    /** What HttpServer takes as the length of a response that has no body at all. */
    private static final long NO_BODY = -1;
    private static final int COPY_BUFFER_BYTES = 8192;

    private final WorkspaceFiles files;

    public FilesResource(WorkspaceFiles files) {
        this.files = files;
    }

    /** {@code GET /files?path=&recursive=}. */
    public void list(HttpExchange exchange) throws IOException {
        QueryParameters query = QueryParameters.of(exchange);
        JsonExchange.ok(exchange, files.list(path(query), query.flag("recursive")).toJson());
    }

    /** {@code DELETE /files?path=}. */
    public void delete(HttpExchange exchange) throws IOException {
        files.delete(path(QueryParameters.of(exchange)));
        JsonExchange.ok(exchange, Map.of());
    }

    /** {@code GET /files/content?path=}: the bytes, streamed with their exact length. */
    public void download(HttpExchange exchange) throws IOException {
        Download download = files.open(path(QueryParameters.of(exchange)));
        try (InputStream content = download.content()) {
            exchange.getResponseHeaders().set("Content-Type", download.mimeType());
            long size = download.sizeBytes();
            exchange.sendResponseHeaders(OK, size == 0 ? NO_BODY : size);
            try (OutputStream body = exchange.getResponseBody()) {
                copy(content, body, size);
            }
        }
    }

    /** {@code PUT /files/content?path=}: the body, fixed-length or chunked, becomes the file. */
    public void upload(HttpExchange exchange) throws IOException {
        String path = path(QueryParameters.of(exchange));
        try (InputStream body = exchange.getRequestBody()) {
            JsonExchange.ok(exchange, files.write(path, body).toJson());
        }
    }

    private static String path(QueryParameters query) {
        return query.get("path", "");
    }

    /** Copies exactly {@code size} bytes, the length already promised to the caller. */
    private static void copy(InputStream from, OutputStream to, long size) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        long remaining = size;
        while (remaining > 0) {
            int read = from.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (read < 0) {
                throw new IOException("file shrank while it was being sent");
            }
            to.write(buffer, 0, read);
            remaining -= read;
        }
    }
}
