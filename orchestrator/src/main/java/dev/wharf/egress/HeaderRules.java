package dev.wharf.egress;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which headers Wharf lets a user have the egress proxy set on outbound requests, for allowlist transforms and
 * credentials alike: a name made of RFC 9110 token characters, and none of the headers that frame or route the
 * request itself or speak to the proxy (a value there would corrupt, redirect or smuggle the request).
 */
public final class HeaderRules {
    public static final int MAX_NAME_CHARS = 256;
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> RESERVED = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "te", "trailer", "expect");

    private HeaderRules() {
    }

    /** Letters, digits and {@code !#$%&'*+-.^_`|~}, at most {@link #MAX_NAME_CHARS}. */
    public static boolean isName(String name) {
        return name.length() <= MAX_NAME_CHARS && TOKEN.matcher(name).matches();
    }

    /** A framing or routing header, or any {@code Proxy-*} header. */
    public static boolean isReserved(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return RESERVED.contains(lower) || lower.startsWith("proxy-");
    }
}
