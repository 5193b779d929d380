package dev.wharf.runtime.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logs in Chromium's format (constants first, params before type in each event), as {@code --log-net-log} writes. */
class NetworkLogTest {

    private static final String CONSTANTS = "{\"constants\":{\"clientInfo\":{\"name\":\"Chromium\"},"
            + "\"logEventTypes\":{\"REQUEST_ALIVE\":2,\"URL_REQUEST_START_JOB\":105,"
            + "\"HTTP_TRANSACTION_READ_RESPONSE_HEADERS\":171,\"HTTP_TRANSACTION_SEND_TUNNEL_HEADERS\":166,"
            + "\"HTTP_TRANSACTION_READ_TUNNEL_RESPONSE_HEADERS\":172,\"HTTP_TRANSACTION_SEND_REQUEST\":160},\"logSourceType\":{\"URL_REQUEST\":1}},\n"
            + "\"events\": [\n";

    @TempDir
    Path directory;

    @Test
    void theMainDocumentsStatusIsItsLastResponseAfterRedirects() throws IOException {
        Path log = write(List.of(
                // A background request first: not the page.
                startJob(8, "https://accounts.google.com/ListAccounts", "other"),
                responseHeaders(8, "HTTP/1.1 403 Forbidden"),
                startJob(40, "http://www.test/old", "main frame"),
                responseHeaders(40, "HTTP/1.1 301 Moved Permanently"),
                startJob(40, "http://www.test/new", "main frame"),
                responseHeaders(40, "HTTP/1.1 404 Not Found"),
                startJob(48, "http://www.test/favicon.ico", "other"),
                responseHeaders(48, "HTTP/1.1 200 OK")), true);

        NetworkLog.Navigation navigation = NetworkLog.read(log);

        assertEquals(Optional.of("http://www.test/new"), navigation.mainDocument());
        assertEquals(Optional.of("HTTP/1.1 404 Not Found"), navigation.statusLine());
    }

    @Test
    void theProxysAnswerToEachConnectIsKeptByTarget() throws IOException {
        Path log = write(List.of(
                startJob(40, "https://shop.example/", "main frame"),
                tunnelRequest(39, "CONNECT shop.example:443 HTTP/1.1"),
                tunnelResponse(39, "HTTP/1.1 403 Forbidden"),
                tunnelRequest(45, "CONNECT www.test:443 HTTP/1.1"),
                tunnelResponse(45, "HTTP/1.1 200 Connection established")), true);

        NetworkLog.Navigation navigation = NetworkLog.read(log);

        assertEquals(Optional.empty(), navigation.statusLine(), "the page itself never answered");
        assertEquals(Optional.of("HTTP/1.1 403 Forbidden"),
                navigation.tunnelStatusFor(URI.create("https://Shop.Example/cart")));
        assertEquals(Optional.empty(), navigation.tunnelStatusFor(URI.create("https://shop.example:8443/")));
        assertEquals(Map.of("shop.example:443", "HTTP/1.1 403 Forbidden",
                "www.test:443", "HTTP/1.1 200 Connection established"), navigation.tunnels());
    }

    /** Chromium killed at its deadline leaves the array and the object open. */
    @Test
    void aTruncatedLogGivesWhatItHeldSoFar() throws IOException {
        Path log = write(List.of(startJob(40, "http://www.test/", "main frame"),
                responseHeaders(40, "HTTP/1.1 200 OK")), false);
        Files.writeString(log, Files.readString(log) + ",{\"params\":{\"headers\":[\"HTTP/1.1 5");

        assertEquals(Optional.of("HTTP/1.1 200 OK"), NetworkLog.read(log).statusLine());
    }

    /** What a load that timed out reports: where the main document's request stood when Chromium was killed. */
    @Test
    void anUnfinishedLoadSaysHowFarTheMainDocumentGot() throws IOException {
        Path sent = write(List.of(startJob(40, "http://www.test/", "main frame"),
                "{\"phase\":1,\"source\":{\"id\":40,\"type\":1},\"time\":\"3\",\"type\":160}"), false);
        assertEquals("the request for http://www.test/ got as far as HTTP_TRANSACTION_SEND_REQUEST with no answer",
                NetworkLog.read(sent).progress());

        Path started = write(List.of(startJob(41, "http://www.test/", "main frame")), false);
        assertEquals("the request for http://www.test/ got as far as URL_REQUEST_START_JOB with no answer",
                NetworkLog.read(started).progress());

        Path nothing = write(List.of(startJob(42, "http://background.test/", "other")), false);
        assertEquals("Chromium never started to request the page", NetworkLog.read(nothing).progress());
    }

    @Test
    void aMissingForeignOrLinkedLogSaysNothing() throws IOException {
        Path foreign = Files.writeString(directory.resolve("foreign.json"), "[1, 2, 3]");
        Path garbage = Files.writeString(directory.resolve("garbage.json"), "\u0000not json");
        Path real = write(List.of(startJob(1, "http://www.test/", "main frame"),
                responseHeaders(1, "HTTP/1.1 200 OK")), true);
        Path link = Files.createSymbolicLink(directory.resolve("link.json"), real);

        for (Path log : List.of(directory.resolve("missing.json"), foreign, garbage, link)) {
            NetworkLog.Navigation navigation = NetworkLog.read(log);
            assertEquals(Optional.empty(), navigation.statusLine(), log.toString());
            assertEquals(Map.of(), navigation.tunnels(), log.toString());
        }
    }

    private Path write(List<String> events, boolean complete) throws IOException {
        List<String> all = new ArrayList<>(events);
        String text = CONSTANTS + String.join(",\n", all) + (complete ? "]}\n" : "");
        return Files.writeString(directory.resolve("net-log-" + System.nanoTime() + ".json"), text);
    }

    private static String startJob(long source, String url, String requestType) {
        return "{\"params\":{\"initiator\":\"not an origin\",\"load_flags\":0,\"method\":\"GET\",\"request_type\":\""
                + requestType + "\",\"url\":\"" + url + "\"},\"phase\":1,\"source\":{\"id\":" + source
                + ",\"start_time\":\"1\",\"type\":1},\"time\":\"2\",\"type\":105}";
    }

    private static String responseHeaders(long source, String statusLine) {
        return "{\"params\":{\"headers\":[\"" + statusLine + "\",\"Content-Type: text/html\"]},\"phase\":0,"
                + "\"source\":{\"id\":" + source + ",\"type\":1},\"time\":\"3\",\"type\":171}";
    }

    private static String tunnelRequest(long source, String line) {
        return "{\"params\":{\"headers\":[\"Host: x\",\"Proxy-Connection: keep-alive\"],\"line\":\"" + line
                + "\\r\\n\"},\"phase\":0,\"source\":{\"id\":" + source + ",\"type\":9},\"time\":\"4\",\"type\":166}";
    }

    private static String tunnelResponse(long source, String statusLine) {
        return "{\"params\":{\"headers\":[\"" + statusLine + "\",\"content-length: 72\"]},\"phase\":0,"
                + "\"source\":{\"id\":" + source + ",\"type\":9},\"time\":\"5\",\"type\":172}";
    }
}
