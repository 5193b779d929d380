package dev.wharf.runtime.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How Chromium is started and what its failures tell the model; the real browser runs in BrowseToolTest. */
class HeadlessChromiumTest {

    private static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Path HOME = Path.of("/tmp/wharf-chromium-1/home");
    private static final BrowserNetwork PROXIED = BrowserNetwork.fromEnvironment(
            Map.of("https_proxy", "http://172.18.0.1:7072", "http_proxy", "http://172.18.0.1:7072"),
            BrowserNetwork.TRUSTED_CERTIFICATES);
    private static final NetworkLog.Navigation NO_LOG = NetworkLog.Navigation.UNKNOWN;

    @Test
    void chromiumGetsTheProxyAProfileAndANetworkLogInItsHome() {
        List<String> argv = HeadlessChromium.arguments(BINARY, PROXIED, HOME, List.of(),
                List.of("--dump-dom", "https://shop.example/"));

        List<String> expected = new ArrayList<>();
        expected.add("/usr/bin/chromium");
        expected.addAll(HeadlessChromium.FLAGS);
        expected.addAll(List.of("--proxy-server=http://172.18.0.1:7072",
                "--user-data-dir=/tmp/wharf-chromium-1/home/profile",
                "--log-net-log=/tmp/wharf-chromium-1/home/net-log.json",
                "--dump-dom", "https://shop.example/"));
        assertEquals(expected, argv);
        assertTrue(argv.stream().noneMatch(flag -> flag.startsWith("--proxy-bypass-list")
                || flag.startsWith("--ignore-certificate-errors")), argv.toString());
    }

    @Test
    void withoutAProxyThereIsNoProxyFlag() {
        List<String> argv = HeadlessChromium.arguments(BINARY, BrowserNetwork.direct(), HOME, List.of(),
                List.of("--dump-dom", "http://127.0.0.1:8000/"));

        assertTrue(argv.stream().noneMatch(flag -> flag.startsWith("--proxy")), argv.toString());
        assertEquals("/usr/bin/chromium", argv.get(0));
    }

    /** The NSS database Chromium reads is made first, from each CA file, then Chromium replaces the shell. */
    @Test
    void caFilesAreImportedIntoAFreshNssDatabaseBeforeChromiumStarts() {
        List<Path> cas = List.of(Path.of("/tmp/wharf-chromium-1/ca-0.pem"), Path.of("/tmp/wharf-chromium-1/ca-1.pem"));

        List<String> argv = HeadlessChromium.arguments(BINARY, PROXIED, HOME, cas, List.of("--dump-dom", "x"));

        assertEquals(List.of("bash", "-c", HeadlessChromium.TRUST_PROLOGUE, "wharf-browser",
                "/tmp/wharf-chromium-1/ca-0.pem", "/tmp/wharf-chromium-1/ca-1.pem", "--", "/usr/bin/chromium"),
                argv.subList(0, 8));
        assertTrue(HeadlessChromium.TRUST_PROLOGUE.contains("certutil -N -d \"$db\" --empty-password"));
        assertTrue(HeadlessChromium.TRUST_PROLOGUE.contains("-t C,, -a -i \"$1\""));
        assertTrue(HeadlessChromium.TRUST_PROLOGUE.contains("db=\"sql:$HOME/.pki/nssdb\""));
        assertTrue(HeadlessChromium.TRUST_PROLOGUE.endsWith("exec \"$@\"\n"));
    }

    @Test
    void aBundleIsSplitIntoItsCertificatesIgnoringTextBetweenThem() {
        String a = "-----BEGIN CERTIFICATE-----\nMIIBaaa=\n-----END CERTIFICATE-----";
        String b = "-----BEGIN CERTIFICATE-----\r\nMIIBbbb\r\nccc=\r\n-----END CERTIFICATE-----";

        assertEquals(List.of(a + "\n", b + "\n"),
                HeadlessChromium.certificates("# upstream\n" + a + "\nSubject: CN=B\n" + b + "\n"));
        assertEquals(List.of(), HeadlessChromium.certificates(""));
        assertEquals(List.of(), HeadlessChromium.certificates("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"));
    }

    @Test
    void aRefusedConnectIsTheNetworkPolicyWhenTheProxyAnswered403() {
        NetworkLog.Navigation log = new NetworkLog.Navigation(Optional.of("https://shop.example/"), Optional.empty(),
                Map.of("shop.example:443", "HTTP/1.1 403 Forbidden"));

        assertEquals("the network policy denied this page: the sandbox's egress proxy answered 403 Forbidden to "
                        + "CONNECT shop.example:443. This environment may not reach shop.example; retrying will not help.",
                chromium(PROXIED).explainFailure(URI.create("https://shop.example/cart"),
                        "net::ERR_TUNNEL_CONNECTION_FAILED", log));
    }

    @Test
    void aRefusedConnectWithAnotherAnswerIsTheProxysFailureNotThePolicy() {
        NetworkLog.Navigation log = new NetworkLog.Navigation(Optional.empty(), Optional.empty(),
                Map.of("api.test:8443", "HTTP/1.1 502 Bad Gateway"));

        String explained = chromium(PROXIED).explainFailure(URI.create("https://api.test:8443/"),
                "net::ERR_TUNNEL_CONNECTION_FAILED", log);

        assertEquals("the sandbox's egress proxy could not open a connection to api.test:8443: it answered "
                + "502 Bad Gateway (net::ERR_TUNNEL_CONNECTION_FAILED)", explained);
        assertFalse(explained.contains("denied"), explained);
    }

    @Test
    void aRefusedConnectWithoutALogStillPointsAtThePolicy() {
        assertEquals("the sandbox's egress proxy refused the connection to shop.example:443 "
                        + "(net::ERR_TUNNEL_CONNECTION_FAILED); this environment's network policy may not allow "
                        + "shop.example",
                chromium(PROXIED).explainFailure(URI.create("https://shop.example/"),
                        "net::ERR_TUNNEL_CONNECTION_FAILED", NO_LOG));
    }

    @Test
    void anUnreachableProxyIsNamed() {
        assertEquals("the sandbox's egress proxy (http://172.18.0.1:7072) is not reachable "
                        + "(net::ERR_PROXY_CONNECTION_FAILED)",
                chromium(PROXIED).explainFailure(URI.create("https://www.test/"), "net::ERR_PROXY_CONNECTION_FAILED",
                        NO_LOG));
    }

    @Test
    void withoutAProxyAFailedLoadReadsAsBefore() {
        assertEquals("the page could not be loaded: net::ERR_NAME_NOT_RESOLVED",
                chromium(BrowserNetwork.direct()).explainFailure(URI.create("https://www.test/"),
                        "net::ERR_NAME_NOT_RESOLVED", NO_LOG));
        assertEquals("the page could not be loaded: net::ERR_TUNNEL_CONNECTION_FAILED",
                chromium(BrowserNetwork.direct()).explainFailure(URI.create("https://www.test/"),
                        "net::ERR_TUNNEL_CONNECTION_FAILED", NO_LOG));
    }

    @Test
    void theDenialSentenceQuotesTheProxyWhenItSaidWhy() {
        assertEquals("the network policy denied this page: the sandbox's egress proxy answered 403 Forbidden to "
                        + "http://shop.example/ (\"Wharf egress proxy: shop.example is not in this environment's "
                        + "allowlist\"). This environment may not reach shop.example; retrying will not help.",
                HeadlessChromium.denied(URI.create("http://shop.example/"), "403 Forbidden to http://shop.example/",
                        "Wharf egress proxy: shop.example is not in this environment's allowlist"));
    }

    @Test
    void statusLinesBecomeCodeAndReason() {
        assertEquals("403 Forbidden", HeadlessChromium.status("HTTP/1.1 403 Forbidden"));
        assertEquals("200", HeadlessChromium.status("HTTP/1.1 200"));
        assertEquals("404 Not Found", HeadlessChromium.status("HTTP/2 404 Not Found "));
        assertEquals("garbage", HeadlessChromium.status("garbage"));
    }

    private static HeadlessChromium chromium(BrowserNetwork network) {
        return new HeadlessChromium(BINARY, null, network);
    }

    @Test
    void runningOutOfMemoryNamesTheLimitWhetherKilledOrStarved() {
        assertEquals("the browser ran out of memory: the kernel killed it, or one of its processes, at the sandbox's"
                + " memory limit (128 MiB), so the page was not loaded. Headless Chromium needs about 200 MiB beside"
                + " whatever else runs in the sandbox; end memory-hungry processes, or use an environment with more"
                + " memory.", HeadlessChromium.outOfMemory(java.util.OptionalLong.of(128L << 20), null));
        assertTrue(HeadlessChromium.outOfMemory(java.util.OptionalLong.empty(), java.time.Duration.ofSeconds(30))
                .startsWith("the browser ran out of memory: it ran at the sandbox's memory limit and could not load"
                        + " the page within 30 s"));
    }
}
