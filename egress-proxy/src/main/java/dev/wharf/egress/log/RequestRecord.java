package dev.wharf.egress.log;

import java.time.Instant;

/**
 * One line of the egress log, as the control plane receives it. Carries no header values, bodies or query strings:
 * the log must never become a second copy of the secrets the proxy injects.
 *
 * @param path without the query; null for a CONNECT tunnel that was not decrypted
 * @param reason null when the request was allowed and completed
 * @param status the status the client was answered with; null when it got none
 * @param bytesSent client to upstream
 * @param bytesReceived upstream to client
 */
public record RequestRecord(String environmentId, String source, Instant time, String method, String scheme,
                            String host, int port, String path, boolean allowed, String reason, Integer status,
                            long bytesSent, long bytesReceived, long durationMs, boolean intercepted) {
}
