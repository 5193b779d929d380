package dev.wharf.egress;

import dev.wharf.egress.resolve.HostMap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything the proxy is told at start, from {@code WHARF_EGRESS_*} environment variables. Required ones have no
 * default; every tunable has one.
 *
 * @param listen {@code WHARF_EGRESS_LISTEN}: host:port to bind (required), normally the sandbox bridge's gateway
 * @param controlUrl {@code WHARF_EGRESS_CONTROL_URL}: base URL of the control plane's internal egress API (required)
 * @param controlToken {@code WHARF_EGRESS_CONTROL_TOKEN}: bearer token for that API (required; never logged)
 * @param stateDir {@code WHARF_EGRESS_STATE_DIR}: where the installation CA lives (required)
 * @param hosts {@code WHARF_EGRESS_HOSTS}: operator name[:port]=ip:port map used instead of DNS; default none
 * @param resolveFile {@code WHARF_EGRESS_RESOLVE_FILE}: hosts-format file replacing DNS entirely; default: system DNS
 * @param upstreamCa {@code WHARF_EGRESS_UPSTREAM_CA}: extra PEM CAs trusted for upstream TLS; default: JDK trust only
 * @param maxConnectionsPerSandbox {@code WHARF_EGRESS_MAX_CONNECTIONS_PER_SANDBOX}: concurrent client connections per
 *        source address, unless its policy says otherwise; default 64
 * @param maxConnections {@code WHARF_EGRESS_MAX_CONNECTIONS}: concurrent client connections in all; default 4096
 * @param bandwidthBytesPerSecond {@code WHARF_EGRESS_BANDWIDTH_BYTES_PER_SECOND}: per sandbox, each direction, over
 *        all its connections, unless its policy says otherwise; 0 is unlimited; default 10485760 (10 MiB/s)
 * @param connectTimeoutMillis {@code WHARF_EGRESS_CONNECT_TIMEOUT_MS}: upstream connect timeout; default 10000
 * @param idleTimeoutSeconds {@code WHARF_EGRESS_IDLE_TIMEOUT_SECONDS}: a connection silent both ways this long is
 *        closed; default 300
 * @param maxBodyBytes {@code WHARF_EGRESS_MAX_BODY_BYTES}: largest request body buffered for placeholder replacement
 *        or an OAuth2 retry; larger ones pass through unreplaced; default 8388608 (8 MiB)
 * @param maxInitialLineBytes {@code WHARF_EGRESS_MAX_INITIAL_LINE_BYTES}: longest request line (414 beyond);
 *        default 8192
 * @param maxHeaderBytes {@code WHARF_EGRESS_MAX_HEADER_BYTES}: largest request header block (431 beyond);
 *        default 32768
 * @param policyTimeoutMillis {@code WHARF_EGRESS_POLICY_TIMEOUT_MS}: how long a policy answer is awaited before the
 *        request is refused with 503; default 5000
 * @param resolverThreads {@code WHARF_EGRESS_RESOLVER_THREADS}: threads for blocking system-DNS look-ups; default 8
 * @param logBufferEntries {@code WHARF_EGRESS_LOG_BUFFER_ENTRIES}: log records held while the control plane is
 *        unreachable; the oldest are dropped beyond; default 10000
 * @param logFlushMillis {@code WHARF_EGRESS_LOG_FLUSH_MS}: longest a log record waits before it is sent; default 500
 * @param shutdownGraceMillis {@code WHARF_EGRESS_SHUTDOWN_GRACE_MS}: on SIGTERM, how long open connections may
 *        finish before they are closed; default 5000
 */
public record EgressSettings(InetSocketAddress listen, URI controlUrl, String controlToken, Path stateDir,
                             HostMap hosts, Path resolveFile, Path upstreamCa, int maxConnectionsPerSandbox,
                             int maxConnections, long bandwidthBytesPerSecond, int connectTimeoutMillis,
                             int idleTimeoutSeconds, int maxBodyBytes, int maxInitialLineBytes, int maxHeaderBytes,
                             int policyTimeoutMillis, int resolverThreads, int logBufferEntries, int logFlushMillis,
                             int shutdownGraceMillis) {

    /** @throws IllegalArgumentException naming the variable that is missing or malformed */
    public static EgressSettings fromEnvironment(Map<String, String> env) {
        Reader r = new Reader(env);
        return new EgressSettings(
                listen(r.required("WHARF_EGRESS_LISTEN")),
                controlUrl(r.required("WHARF_EGRESS_CONTROL_URL")),
                r.required("WHARF_EGRESS_CONTROL_TOKEN"),
                Path.of(r.required("WHARF_EGRESS_STATE_DIR")),
                HostMap.parse(env.get("WHARF_EGRESS_HOSTS")),
                r.path("WHARF_EGRESS_RESOLVE_FILE"),
                r.path("WHARF_EGRESS_UPSTREAM_CA"),
                (int) r.number("WHARF_EGRESS_MAX_CONNECTIONS_PER_SANDBOX", 64, 1),
                (int) r.number("WHARF_EGRESS_MAX_CONNECTIONS", 4096, 1),
                r.number("WHARF_EGRESS_BANDWIDTH_BYTES_PER_SECOND", 10_485_760, 0),
                (int) r.number("WHARF_EGRESS_CONNECT_TIMEOUT_MS", 10_000, 1),
                (int) r.number("WHARF_EGRESS_IDLE_TIMEOUT_SECONDS", 300, 1),
                (int) r.number("WHARF_EGRESS_MAX_BODY_BYTES", 8 * 1024 * 1024, 0),
                (int) r.number("WHARF_EGRESS_MAX_INITIAL_LINE_BYTES", 8192, 256),
                (int) r.number("WHARF_EGRESS_MAX_HEADER_BYTES", 32_768, 1024),
                (int) r.number("WHARF_EGRESS_POLICY_TIMEOUT_MS", 5000, 1),
                (int) r.number("WHARF_EGRESS_RESOLVER_THREADS", 8, 1),
                (int) r.number("WHARF_EGRESS_LOG_BUFFER_ENTRIES", 10_000, 1),
                (int) r.number("WHARF_EGRESS_LOG_FLUSH_MS", 500, 10),
                (int) r.number("WHARF_EGRESS_SHUTDOWN_GRACE_MS", 5000, 0));
    }

    private static InetSocketAddress listen(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("WHARF_EGRESS_LISTEN must be host:port, got '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("WHARF_EGRESS_LISTEN port is not a number: '" + value + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("WHARF_EGRESS_LISTEN port out of range: '" + value + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("WHARF_EGRESS_LISTEN host does not resolve: '" + host + "'");
        }
    }

    private static URI controlUrl(String value) {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("WHARF_EGRESS_CONTROL_URL is not an http(s) URL: '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return "EgressSettings[listen=" + listen + ", controlUrl=" + controlUrl + ", stateDir=" + stateDir + "]";
    }

    private record Reader(Map<String, String> env) {

        String required(String name) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " is required");
            }
            return value.trim();
        }

        Path path(String name) {
            String value = env.get(name);
            return value == null || value.isBlank() ? null : Path.of(value.trim());
        }

        long number(String name, long defaultValue, long min) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                return defaultValue;
            }
            try {
                long n = Long.parseLong(value.trim());
                if (n >= min && n <= Integer.MAX_VALUE) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(name + " must be a whole number of at least " + min + ", got '"
                    + value + "'");
        }
    }
}
