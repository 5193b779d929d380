package dev.wharf.egress.resolve;

import java.util.regex.Pattern;

/**
 * Recognises hosts that are addresses rather than names, in every spelling a resolver or URL parser might accept:
 * IPv6 (bracketed or not) and IPv4 in dotted, shortened ({@code 127.1}), decimal ({@code 2130706433}), octal and hex
 * ({@code 0x7f.1}) forms.
 */
public final class IpLiterals {

    /** A final label that is a number: no top-level domain is numeric, so such a host is an address (as WHATWG URL). */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");

    private IpLiterals() {
    }

    public static boolean isLiteral(String host) {
        if (host.startsWith("[") || host.indexOf(':') >= 0) {
            return true;
        }
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String last = h.substring(h.lastIndexOf('.') + 1);
        return NUMERIC_LABEL.matcher(last).matches();
    }
}
