package dev.wharf.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Checks the {@code Authorization: Bearer <token>} the control plane sends with every call. */
public final class BearerAuthentication {

    private static final String SCHEME = "Bearer ";

    /** Null when the daemon runs with --insecure-no-token. */
    private final byte[] expected;

    private BearerAuthentication(byte[] expected) {
        this.expected = expected;
    }

    public static BearerAuthentication requiring(String token) {
        return new BearerAuthentication(token.getBytes(StandardCharsets.UTF_8));
    }

    public static BearerAuthentication disabled() {
        return new BearerAuthentication(null);
    }

    public void check(HttpExchange exchange) {
        if (expected == null) {
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new RequestException(ErrorStatus.UNAUTHENTICATED, "missing bearer token");
        }
        byte[] presented = header.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        // Constant time, so response timing does not reveal how much of a guess was right.
        if (!MessageDigest.isEqual(expected, presented)) {
            throw new RequestException(ErrorStatus.UNAUTHENTICATED, "invalid bearer token");
        }
    }
}
