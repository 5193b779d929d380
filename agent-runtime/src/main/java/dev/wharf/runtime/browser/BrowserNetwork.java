package dev.wharf.runtime.browser;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the browser reaches the network: the sandbox's egress proxy, if it has one, and the certificate authorities to
 * trust beyond Chromium's own root store.
 *
 * <p>A sandbox with egress gets the proxy in {@code https_proxy}/{@code http_proxy} (and their upper-case forms) and
 * its CAs in {@link #TRUSTED_CERTIFICATES} from the control plane. Chromium is told the proxy explicitly
 * ({@code --proxy-server}) instead of reading those variables itself: then no {@code no_proxy} entry can send a page
 * around it, and only loopback bypasses it (Chromium's implicit rule, kept on purpose so a page served inside the
 * sandbox still loads). A sandbox has no DNS resolver; through the proxy Chromium never resolves a page's host.
 * Chromium on Linux ignores /etc/ssl: it trusts its own root store plus what an NSS database under
 * {@code $HOME/.pki/nssdb} marks as a CA, which {@link HeadlessChromium} builds for each launch from the file here.
 *
 * @param proxyServer         the {@code --proxy-server} value; empty to connect directly (a sandbox without egress)
 * @param trustedCertificates PEM file of CAs to add (the operator's upstream CAs and the egress CA); missing or empty
 *                            adds none
 */
public record BrowserNetwork(Optional<String> proxyServer, Path trustedCertificates) {

    /** Where the control plane binds the CAs to add (SandboxTrustFiles.EXTRA_CA_PATH); the image has it empty. */
    public static final Path TRUSTED_CERTIFICATES = Path.of("/etc/wharf/extra-ca.crt");
    /** Proxy variables in the order curl and most clients prefer them. */
    static final List<String> HTTPS_PROXY_VARIABLES = List.of("https_proxy", "HTTPS_PROXY");
    static final List<String> HTTP_PROXY_VARIABLES = List.of("http_proxy", "HTTP_PROXY");
    /** What --proxy-server can carry: [scheme://]host:port, nothing that would split or extend its rule list. */
    private static final Pattern PROXY = Pattern.compile("(https?://)?[A-Za-z0-9.\\[\\]:_-]+:\\d{1,5}");

    public static BrowserNetwork direct() {
        return new BrowserNetwork(Optional.empty(), TRUSTED_CERTIFICATES);
    }

    /**
     * From the daemon's environment. One proxy for both schemes when only one is set or both agree; otherwise one
     * rule per scheme. A value that is not a plain {@code http://host:port} is ignored (Chromium would misread it).
     */
    public static BrowserNetwork fromEnvironment(Map<String, String> environment, Path trustedCertificates) {
        Optional<String> https = first(environment, HTTPS_PROXY_VARIABLES);
        Optional<String> http = first(environment, HTTP_PROXY_VARIABLES);
        Optional<String> server;
        if (https.isPresent() && http.isPresent() && !https.equals(http)) {
            server = Optional.of("https=" + https.get() + ";http=" + http.get());
        } else {
            server = https.or(() -> http);
        }
        return new BrowserNetwork(server, trustedCertificates);
    }

    /** The proxy flag, if any; the image's Chromium is started with these and {@link HeadlessChromium#FLAGS}. */
    public List<String> flags() {
        return proxyServer.map(server -> List.of("--proxy-server=" + server)).orElse(List.of());
    }

    public boolean proxied() {
        return proxyServer.isPresent();
    }

    private static Optional<String> first(Map<String, String> environment, List<String> names) {
        for (String name : names) {
            String value = environment.get(name);
            if (value == null || value.isBlank()) {
                continue;
            }
            String proxy = value.strip();
            if (proxy.endsWith("/")) {
                proxy = proxy.substring(0, proxy.length() - 1);
            }
            if (PROXY.matcher(proxy).matches()) {
                return Optional.of(proxy);
            }
        }
        return Optional.empty();
    }
}
