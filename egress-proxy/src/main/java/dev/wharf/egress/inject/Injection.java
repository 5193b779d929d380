package dev.wharf.egress.inject;

import dev.wharf.egress.policy.AllowRule;
import dev.wharf.egress.policy.Location;
import dev.wharf.egress.policy.OAuth2Grant;
import dev.wharf.egress.policy.Placeholder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the proxy changes in requests to one host: the rule's headers, its OAuth2 token, and the placeholders whose
 * values may travel there. A placeholder trusted elsewhere is left as the sandbox wrote it.
 */
public final class Injection {

    private final AllowRule rule;
    private final List<Placeholder> placeholders;

    /** @param placeholders only those that apply to the host */
    public Injection(AllowRule rule, List<Placeholder> placeholders) {
        this.rule = rule;
        this.placeholders = placeholders;
    }

    /** Whether requests must be decrypted for this injection to happen at all. */
    public boolean needsInterception() {
        return rule.rewritesRequests() || !placeholders.isEmpty();
    }

    public boolean rewritesBody() {
        return placeholders.stream().anyMatch(p -> p.locations().contains(Location.BODY));
    }

    /** Null when the rule exchanges no token. */
    public OAuth2Grant oauth2() {
        return rule.oauth2();
    }

    public AllowRule rule() {
        return rule;
    }

    /** Replaces placeholders in the query string of an origin-form target; values are percent-encoded there. */
    public String rewriteTarget(String target) {
        int q = target.indexOf('?');
        if (q < 0) {
            return target;
        }
        String query = target.substring(q + 1);
        for (Placeholder p : placeholders) {
            if (p.locations().contains(Location.QUERY)) {
                query = query.replace(p.text(), percentEncode(p.value()));
            }
        }
        return target.substring(0, q + 1) + query;
    }

    /** Placeholders in the sandbox's header values first, then the rule's headers, which no placeholder can alter. */
    public void rewriteHeaders(HttpHeaders headers) {
        List<Placeholder> inHeaders = placeholders.stream()
                .filter(p -> p.locations().contains(Location.HEADER)).toList();
        if (!inHeaders.isEmpty()) {
            List<Map.Entry<String, String>> rewritten = new ArrayList<>();
            boolean changed = false;
            for (Map.Entry<String, String> h : headers) {
                String value = h.getValue();
                for (Placeholder p : inHeaders) {
                    value = value.replace(p.text(), p.value());
                }
                changed |= !value.equals(h.getValue());
                rewritten.add(Map.entry(h.getKey(), value));
            }
            if (changed) {
                headers.clear();
                rewritten.forEach(h -> headers.add(h.getKey(), h.getValue()));
            }
        }
        for (Map.Entry<String, String> h : rule.headers()) {
            headers.set(h.getKey(), h.getValue());
        }
    }

    /** @return the body with every body placeholder replaced; {@code body} itself, retained, when none occurs */
    public ByteBuf rewriteBody(ByteBuf body) {
        byte[] bytes = ByteBufUtil.getBytes(body);
        byte[] result = bytes;
        for (Placeholder p : placeholders) {
            if (p.locations().contains(Location.BODY)) {
                result = replace(result, p.text().getBytes(StandardCharsets.UTF_8),
                        p.value().getBytes(StandardCharsets.UTF_8));
            }
        }
        if (result == bytes) {
            return body.retain();
        }
        return body.alloc().buffer(result.length).writeBytes(result);
    }

    public static String tokenHeaderValue(OAuth2Grant grant, String token) {
        return grant.prefix().isEmpty() ? token : grant.prefix() + " " + token;
    }

    private static byte[] replace(byte[] source, byte[] what, byte[] with) {
        int first = indexOf(source, what, 0);
        if (first < 0) {
            return source;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(source.length);
        int from = 0;
        for (int at = first; at >= 0; at = indexOf(source, what, from)) {
            out.write(source, from, at - from);
            out.write(with, 0, with.length);
            from = at + what.length;
        }
        out.write(source, from, source.length - from);
        return out.toByteArray();
    }

    private static int indexOf(byte[] source, byte[] what, int from) {
        outer:
        for (int i = from; i <= source.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (source[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String percentEncode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }
}
