package dev.wharf.egress.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Headers that describe one connection rather than the message (RFC 9110 section 7.6.1), and every {@code Proxy-*}
 * header, so nothing meant for the proxy (credentials included) travels on. Framing headers stay: the codecs re-frame
 * bodies from them.
 */
final class HopByHop {

    private static final List<String> FIXED = List.of("connection", "keep-alive", "te", "trailer", "upgrade",
            "proxy-connection");

    private HopByHop() {
    }

    static void strip(HttpHeaders headers) {
        List<String> remove = new ArrayList<>(FIXED);
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !name.equals("content-length") && !name.equals("transfer-encoding")) {
                    remove.add(name);
                }
            }
        }
        for (String name : headers.names()) {
            if (name.toLowerCase(Locale.ROOT).startsWith("proxy-")) {
                remove.add(name);
            }
        }
        remove.forEach(headers::remove);
    }
}
