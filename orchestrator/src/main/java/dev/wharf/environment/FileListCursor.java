package dev.wharf.environment;

import dev.wharf.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Page token for directory listings: the offset of the next entry in the daemon's sorted listing. */
final class FileListCursor {
    private static final String PREFIX = "files:";

    private FileListCursor() {
    }

    static String encode(int offset) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + offset).getBytes(StandardCharsets.UTF_8));
    }

    static int decode(String token) {
        if (token == null || token.isBlank()) {
            return 0;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!raw.startsWith(PREFIX)) {
                throw new IllegalArgumentException(raw);
            }
            int offset = Integer.parseInt(raw.substring(PREFIX.length()));
            if (offset < 0) {
                throw new IllegalArgumentException(raw);
            }
            return offset;
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidArgument("page_token is not a token this server issued");
        }
    }
}
