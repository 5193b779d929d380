package dev.wharf.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Keyset pagination cursor for lists ordered newest first: the (created, id) of the last item served.
 * Opaque to callers; a token that does not decode is a 400, not an empty page.
 */
public record PageToken(Instant created, String id) {

    public String encode() {
        String raw = created.toEpochMilli() + ":" + created.getNano() + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Longer tokens cannot be one this server issued (a timestamp and an id). */
    private static final int MAX_TOKEN_CHARS = 512;
    private static final java.util.regex.Pattern TOKEN_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public static PageToken decode(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw ApiException.invalidArgument("page_token is not a token this server issued");
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] parts = raw.split(":", 3);
            long epochSecond = Math.floorDiv(Long.parseLong(parts[0]), 1000L);
            if (!TOKEN_ID.matcher(parts[2]).matches()) {
                throw new IllegalArgumentException("not an id");
            }
            return new PageToken(Instant.ofEpochSecond(epochSecond, Integer.parseInt(parts[1])), parts[2]);
        } catch (RuntimeException e) {
            throw ApiException.invalidArgument("page_token is not a token this server issued");
        }
    }

    /**
     * The {@code page_size} query parameter as sent: absent means the default; anything but a whole number is a 400
     * (a number too large for an int is not a page size either); in-range numbers are clamped as below.
     */
    public static int parsePageSize(String requested) {
        if (requested == null || requested.isBlank()) {
            return pageSize((Integer) null);
        }
        try {
            return pageSize(Integer.valueOf(requested.trim()));
        } catch (NumberFormatException e) {
            throw ApiException.invalidArgument("page_size must be a whole number from 1 to 1000");
        }
    }

    /** Clamps a requested page size to the contract's range (default 50, at most 1000). */
    public static int pageSize(Integer requested) {
        if (requested == null || requested <= 0) {
            return 50;
        }
        return Math.min(requested, 1000);
    }
}
