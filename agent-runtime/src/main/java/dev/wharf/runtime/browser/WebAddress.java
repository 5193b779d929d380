package dev.wharf.runtime.browser;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * The rule for what the browser may open: web pages only. {@code file:} would hand the model any
 * file the daemon can read (the token in {@code /proc/self/environ} included), and {@code data:},
 * {@code chrome:} and friends have no business in a page fetch.
 */
public final class WebAddress {

    static final Set<String> SCHEMES = Set.of("http", "https");

    private WebAddress() {
    }

    /** @throws IllegalArgumentException with a message fit for the model */
    public static URI parse(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("only http and https URLs can be browsed, not " + url);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("the URL has no host: " + url);
        }
        return uri;
    }

    /** Whether a link found on a page is one the browser could open. */
    static boolean isWebPage(URI uri) {
        return uri.getScheme() != null && SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))
                && uri.getHost() != null;
    }
}
