package dev.wharf.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PageTokenTest {
    @Test
    void roundTripsWithFullPrecision() {
        PageToken token = new PageToken(Instant.parse("2026-11-21T00:50:49.123456789Z"), "env_abc");
        assertEquals(token, PageToken.decode(token.encode()));
    }

    @Test
    void foreignTokensAreInvalidArgument() {
        ApiException error = assertThrows(ApiException.class, () -> PageToken.decode("not-a-token"));
        assertEquals(ApiStatus.INVALID_ARGUMENT, error.status());
    }

    @Test
    void pageSizeDefaultsAndCaps() {
        assertEquals(50, PageToken.pageSize(null));
        assertEquals(50, PageToken.pageSize(0));
        assertEquals(7, PageToken.pageSize(7));
        assertEquals(1000, PageToken.pageSize(5000));
    }
}
