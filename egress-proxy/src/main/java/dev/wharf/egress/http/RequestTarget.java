package dev.wharf.egress.http;

import dev.wharf.egress.policy.HostNames;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where one request goes: the normalized host and port the decision is about, and the origin-form target sent
 * upstream.
 *
 * @param authority the Host header sent upstream
 * @param originForm path and query
 */
record RequestTarget(String scheme, String host, int port, String authority, String originForm) {

    /** Letters, digits, hyphens, underscores and dots, or a bracketed IPv6 literal: nothing a resolver could misread. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.-]+|\\[[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?]");

    /** The path without the query, as logged. */
    String path() {
        int q = originForm.indexOf('?');
        return q < 0 ? originForm : originForm.substring(0, q);
    }

    /** A request line the proxy will not forward, with the sentence to answer it with. */
    static final class BadRequest extends Exception {
        BadRequest(String sentence) {
            super(sentence, null, false, false);
        }
    }

    /** Parses an absolute-form {@code http://host[:port]/path?query} target. */
    static RequestTarget absolute(String uri) throws BadRequest {
        String lower = uri.length() >= 8 ? uri.substring(0, 8).toLowerCase(Locale.ROOT) : uri.toLowerCase(Locale.ROOT);
        String scheme;
        if (lower.startsWith("http://")) {
            scheme = "http";
        } else if (lower.startsWith("https://")) {
            scheme = "https";
        } else {
            throw new BadRequest("only http:// request targets can be forwarded");
        }
        int start = scheme.length() + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(start, end);
        String rest = uri.substring(end);
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        if (rest.isEmpty() || rest.charAt(0) == '?') {
            rest = "/" + rest;
        }
        int defaultPort = scheme.equals("https") ? 443 : 80;
        String[] hostPort = authority(authority, defaultPort);
        return new RequestTarget(scheme, hostPort[0], Integer.parseInt(hostPort[1]), authority, rest);
    }

    /**
     * Splits {@code host[:port]}; the host comes back normalized.
     *
     * @return {host, port}
     */
    static String[] authority(String authority, int defaultPort) throws BadRequest {
        if (authority.indexOf('@') >= 0) {
            throw new BadRequest("credentials in the request target are not accepted");
        }
        String host = authority;
        String port = String.valueOf(defaultPort);
        int colon = authority.lastIndexOf(':');
        int bracket = authority.lastIndexOf(']');
        if (colon > bracket && (bracket >= 0 || authority.indexOf(':') == colon)) {
            host = authority.substring(0, colon);
            port = authority.substring(colon + 1);
        }
        if (host.isEmpty() || !HOST.matcher(host).matches()) {
            throw new BadRequest("'" + host + "' is not a valid host name");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new BadRequest("'" + port + "' is not a valid port");
        }
        if (p < 1 || p > 65535) {
            throw new BadRequest("'" + port + "' is not a valid port");
        }
        return new String[] {HostNames.normalize(host), String.valueOf(p)};
    }
}
