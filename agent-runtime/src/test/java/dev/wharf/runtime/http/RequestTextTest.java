package dev.wharf.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import org.junit.jupiter.api.Test;

class RequestTextTest {

    @Test
    void ordinaryTextAndPairedSurrogatesPass() {
        assertEquals("ls -la é 😀", RequestText.require("command", "ls -la é 😀"));
        assertEquals(null, RequestText.require("cwd", null));
    }

    @Test
    void nulIsRefusedNamingTheField() {
        RequestException refused = assertThrows(RequestException.class, () -> RequestText.require("cwd", "a\0b"));
        assertEquals(ErrorStatus.INVALID_ARGUMENT, refused.status());
        assertTrue(refused.getMessage().startsWith("cwd "), refused.getMessage());
    }

    @Test
    void loneSurrogatesAreRefusedWhereverTheyStand() {
        for (String text : new String[] {"\uD800", "a\uDC00", "x\uD83Dy", "\uDE00\uD83D"}) {
            RequestException refused = assertThrows(RequestException.class, () -> RequestText.require("path", text));
            assertTrue(refused.getMessage().contains("surrogate"), refused.getMessage());
        }
    }
}
