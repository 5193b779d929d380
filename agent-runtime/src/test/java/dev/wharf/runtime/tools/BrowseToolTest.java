package dev.wharf.runtime.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.wharf.runtime.browser.BrowserNetwork;
import dev.wharf.runtime.browser.HeadlessChromium;
import dev.wharf.runtime.browser.PageLink;
import dev.wharf.runtime.browser.ReadablePage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BrowseToolTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path workspace;
    private ToolTestBench bench;
    private HttpServer site;

    @AfterEach
    void tearDown() {
        if (bench != null) {
            bench.close();
        }
        if (site != null) {
            site.stop(0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "data:text/html,hi", "chrome://version", "javascript:1", "nohost"})
    void addressesOtherThanWebPagesAreRefusedBeforeAnyBrowserStarts(String url) throws IOException {
        Path marker = workspace.resolve("browser-started");
        Path fakeChromium = Files.writeString(workspace.resolve("fake-chromium"), "#!/bin/sh\ntouch " + marker + "\n");
        fakeChromium.toFile().setExecutable(true);
        bench = new ToolTestBench(workspace, fakeChromium);

        ToolOutput output = bench.call("browse", Map.of("url", url));

        assertTrue(output.isError(), output.toString());
        assertTrue(output.text().contains(url) || output.text().contains("host"), output.text());
        assertFalse(Files.exists(marker));
    }

    @Test
    void aMissingBrowserIsAnErrorResult() throws IOException {
        bench = new ToolTestBench(workspace, workspace.resolve("no-such-chromium"));

        ToolOutput output = bench.call("browse", Map.of("url", "https://example.org"));

        assertTrue(output.isError());
        assertTrue(output.text().contains("no browser is installed"), output.text());
    }

    @Test
    void theResultReadsTitleAddressTextThenLinks() {
        ReadablePage page = new ReadablePage("Docs", "Hello\nWorld",
                List.of(new PageLink("https://example.org/a", "A"), new PageLink("https://example.org/b", "")));

        assertEquals("Title: Docs\nURL: https://example.org/\n\nHello\nWorld\n\nLinks:\n"
                        + "- [A](https://example.org/a)\n- [](https://example.org/b)\n",
                BrowseTool.describe(URI.create("https://example.org/"), page));
    }

    @Test
    void longPageTextIsCutAndSaysSo() {
        ReadablePage page = new ReadablePage("", "x".repeat(BrowseTool.MAX_TEXT_CHARS + 1), List.of());

        String text = BrowseTool.describe(URI.create("https://example.org/"), page);

        assertTrue(text.contains("[text truncated after " + BrowseTool.MAX_TEXT_CHARS + " of "
                + (BrowseTool.MAX_TEXT_CHARS + 1) + " characters]"));
        assertTrue(text.endsWith("Links:\n(none)\n"));
    }

    /** Needs Chromium; skipped where it is not installed (it is in the sandbox image). */
    @Test
    void aRealPageIsRenderedReadAndPhotographed() throws IOException {
        Path chromium = chromium();
        assumeTrue(Files.isExecutable(chromium), "Chromium is not installed at " + chromium);
        bench = new ToolTestBench(workspace, chromium);
        String url = serve("<html><head><title>Weather report</title></head><body>"
                + "<nav><a href=\"/menu\">Menu</a></nav>"
                + "<h1>Paris</h1><p>Sunny, <b>21</b> degrees.</p><p id=\"later\"></p>"
                + "<a href=\"/tomorrow\">Tomorrow</a> <a href=\"https://example.org/\">Elsewhere</a>"
                + "<script>document.getElementById('later').textContent = 'Rendered by script.';</script>"
                + "</body></html>");

        ToolOutput output = bench.call("browse", Map.of("url", url, "screenshot", true));

        assertFalse(output.isError(), output.text());
        String base = url.substring(0, url.indexOf("/page"));
        assertEquals("Title: Weather report\nURL: " + url + "\n\n# Paris\n\nSunny, 21 degrees.\n\n"
                + "Rendered by script.\n\nTomorrow Elsewhere\n\nLinks:\n- [Tomorrow](" + base + "/tomorrow)\n"
                + "- [Elsewhere](https://example.org/)\n", output.text());
        assertEquals(1, output.images().size());
        assertEquals("image/png", output.images().get(0).mimeType());
        byte[] png = Base64.getDecoder().decode(output.images().get(0).data());
        assertTrue(Arrays.equals(PNG_SIGNATURE, Arrays.copyOf(png, PNG_SIGNATURE.length)));
    }

    @Test
    void anUnreachablePageIsAnErrorResult() throws IOException {
        Path chromium = chromium();
        assumeTrue(Files.isExecutable(chromium), "Chromium is not installed at " + chromium);
        bench = new ToolTestBench(workspace, chromium);

        ToolOutput output = bench.call("browse", Map.of("url", "http://127.0.0.1:1/"));

        assertTrue(output.isError(), output.text());
        assertTrue(output.text().contains("could not be loaded"), output.text());
    }

    @Test
    void aNonSuccessStatusIsShownAfterTheAddress() {
        ReadablePage page = new ReadablePage("Nothing here", "No such page.", List.of());

        assertEquals("Title: Nothing here\nURL: https://example.org/x\nStatus: 404 Not Found\n\nNo such page.\n\n"
                        + "Links:\n(none)\n",
                BrowseTool.describe(URI.create("https://example.org/x"), page, Optional.of("404 Not Found")));
    }

    /**
     * Through a proxy that refuses like Wharf's egress proxy (403 and its sentence, to a plain request and to the
     * CONNECT of an HTTPS one): the result says the network policy denied the page, whichever way it was asked for.
     * The browser hands the made-up host names to the proxy and never resolves them.
     */
    @Test
    void aPageTheEgressProxyRefusesIsReportedAsDeniedByTheNetworkPolicy() throws IOException {
        Path chromium = chromium();
        assumeTrue(Files.isExecutable(chromium), "Chromium is not installed at " + chromium);
        try (FakeEgressProxy proxy = new FakeEgressProxy(Map.of())) {
            bench = new ToolTestBench(workspace, chromium, proxied(proxy));

            ToolOutput plain = bench.call("browse", Map.of("url", "http://shop.example/"));
            ToolOutput tls = bench.call("browse", Map.of("url", "https://shop.example/cart"));

            assertTrue(plain.isError(), plain.text());
            assertEquals("browse failed: the network policy denied this page: the sandbox's egress proxy answered "
                    + "403 Forbidden to http://shop.example/ (\"Wharf egress proxy: shop.example is not in this "
                    + "environment's allowlist\"). This environment may not reach shop.example; retrying will not "
                    + "help.", plain.text());
            assertTrue(tls.isError(), tls.text());
            assertEquals("browse failed: the network policy denied this page: the sandbox's egress proxy answered "
                    + "403 Forbidden to CONNECT shop.example:443. This environment may not reach shop.example; "
                    + "retrying will not help.", tls.text());
            assertTrue(proxy.requestLines().contains("GET http://shop.example/ HTTP/1.1"), proxy.requestLines().toString());
            assertTrue(proxy.requestLines().contains("CONNECT shop.example:443 HTTP/1.1"), proxy.requestLines().toString());
        }
    }

    @Test
    void pagesLoadThroughTheProxyAndAnErrorPageCarriesItsStatus() throws IOException {
        Path chromium = chromium();
        assumeTrue(Files.isExecutable(chromium), "Chromium is not installed at " + chromium);
        try (FakeEgressProxy proxy = new FakeEgressProxy(Map.of("http://docs.test/",
                "<html><head><title>Docs</title></head><body><p>Served by the proxy.</p></body></html>"))) {
            bench = new ToolTestBench(workspace, chromium, proxied(proxy));

            ToolOutput page = bench.call("browse", Map.of("url", "http://docs.test/"));
            ToolOutput missing = bench.call("browse", Map.of("url", "http://docs.test/missing"));

            assertEquals("Title: Docs\nURL: http://docs.test/\n\nServed by the proxy.\n\nLinks:\n(none)\n",
                    page.text());
            assertFalse(missing.isError(), missing.text());
            assertEquals("Title: Nothing here\nURL: http://docs.test/missing\nStatus: 404 Not Found\n\n"
                    + "No such page.\n\nLinks:\n(none)\n", missing.text());
        }
    }

    private static BrowserNetwork proxied(FakeEgressProxy proxy) {
        // No CA file: these pages are plain HTTP, and the HTTPS one never gets past its CONNECT.
        return BrowserNetwork.fromEnvironment(Map.of("https_proxy", proxy.url(), "http_proxy", proxy.url()),
                Path.of("/nonexistent/extra-ca.crt"));
    }

    private static Path chromium() {
        String configured = System.getenv("WHARF_CHROMIUM");
        return configured == null || configured.isBlank() ? HeadlessChromium.DEFAULT_BINARY : Path.of(configured);
    }

    private String serve(String html) throws IOException {
        site = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        site.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        site.start();
        return "http://127.0.0.1:" + site.getAddress().getPort() + "/page.html";
    }
}
