package dev.wharf.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** One answer from the daemon, with the accessors tests need. */
public record ApiResponse(int status, HttpHeaders headers, byte[] body) {

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public Map<String, Object> json() {
        try {
            return JSON.std.mapFrom(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text(), e);
        }
    }

    public Object get(String field) {
        return json().get(field);
    }

    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> files() {
        return (List<Map<String, Object>>) json().get("files");
    }

    /** Asserts a 200 and returns this, for chaining. */
    public ApiResponse ok() {
        assertEquals(200, status, () -> "expected 200, got " + status + ": " + text());
        return this;
    }

    /** Asserts the error envelope: HTTP status equal to code, the status name, and the message. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> error(int code, String statusName) {
        assertEquals(code, status, () -> "unexpected status; body: " + text());
        Map<String, Object> error = (Map<String, Object>) json().get("error");
        assertEquals(code, ((Number) error.get("code")).intValue(), text());
        assertEquals(statusName, error.get("status"), text());
        return error;
    }

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }
}
