package dev.wharf.network;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;

/**
 * One request a sandbox made through the egress proxy: when, what (method, scheme, host, port, path without its
 * query), what the proxy decided and why, the upstream's status, bytes each way and how long it took. Never header
 * values or bodies: the proxy does not report them.
 */
public record NetworkLogEntry(Long id, String environmentId, String tenantId, Instant time, String method,
                              String scheme, String host, int port, String path, String decision, String reason,
                              Integer status, long bytesSent, long bytesReceived, long durationMs,
                              boolean intercepted) {
    static final Set<String> DECISIONS = Set.of("allowed", "denied");
    private static final int MAX_TEXT = 2048;

    /**
     * Reads one entry of the proxy's report, attributed by the control plane to {@code environmentId}; null when the
     * entry is not one the proxy writes (then it is dropped, not stored half).
     */
    static NetworkLogEntry fromProxy(JsonObject json, String environmentId, String tenantId) {
        try {
            String decision = json.getString("decision");
            if (!DECISIONS.contains(decision)) {
                return null;
            }
            Number port = json.getNumber("port");
            Number status = json.getNumber("status");
            return new NetworkLogEntry(null, environmentId, tenantId, Instant.parse(json.getString("time")),
                    text(json.getString("method"), "?").toUpperCase(Locale.ROOT), text(json.getString("scheme"), "http"),
                    text(json.getString("host"), "?"), port == null ? 0 : port.intValue(),
                    json.getString("path") == null ? null : text(json.getString("path"), null), decision,
                    json.getString("reason") == null ? null : text(json.getString("reason"), null),
                    status == null ? null : status.intValue(), count(json, "bytes_sent"), count(json, "bytes_received"),
                    count(json, "duration_ms"), json.getBoolean("intercepted", false));
        } catch (ClassCastException | DateTimeParseException | NullPointerException e) {
            return null;
        }
    }

    private static long count(JsonObject json, String field) {
        Number value = json.getNumber(field);
        return value == null ? 0 : Math.max(0, value.longValue());
    }

    private static String text(String value, String absent) {
        if (value == null) {
            return absent;
        }
        return value.length() > MAX_TEXT ? value.substring(0, MAX_TEXT) : value;
    }

    /** As {@code GET /v1/environments/{id}/network_log} shows it. */
    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("time", time.toString()).put("method", method).put("scheme", scheme)
                .put("host", host).put("port", port);
        if (path != null) {
            json.put("path", path);
        }
        json.put("decision", decision);
        if (reason != null) {
            json.put("reason", reason);
        }
        if (status != null) {
            json.put("status", status);
        }
        return json.put("bytes_sent", Long.toString(bytesSent)).put("bytes_received", Long.toString(bytesReceived))
                .put("duration_ms", durationMs).put("intercepted", intercepted);
    }
}
