package dev.wharf.runtime.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://example.org", "https://example.org/a?b=c#d", "HTTPS://Example.org/",
            " http://127.0.0.1:8080/x "})
    void webPagesAreAllowed(String url) {
        assertEquals(URI.create(url.trim()), WebAddress.parse(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "file:///proc/self/environ", "data:text/html,<b>x</b>",
            "chrome://settings", "javascript:alert(1)", "ftp://example.org/f", "about:blank",
            "view-source:http://example.org", "example.org/page", "/etc/passwd", "--dump-dom", "http:///nohost",
            "http://exa mple.org"})
    void everythingElseIsRefused(String url) {
        IllegalArgumentException refusal = assertThrows(IllegalArgumentException.class, () -> WebAddress.parse(url));

        assertTrue(refusal.getMessage().contains(url.trim()) || refusal.getMessage().contains("host"),
                refusal.getMessage());
    }
}
