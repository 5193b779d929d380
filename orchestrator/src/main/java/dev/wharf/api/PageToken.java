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

    public static PageToken decode(String token) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] parts = raw.split(":", 3);
            long epochSecond = Math.floorDiv(Long.parseLong(parts[0]), 1000L);
            return new PageToken(Instant.ofEpochSecond(epochSecond, Integer.parseInt(parts[1])), parts[2]);
        } catch (RuntimeException e) {
            throw ApiException.invalidArgument("page_token is not a token this server issued");
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
