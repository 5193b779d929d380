package dev.wharf.egress.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.egress.support.ProxyFixture;
import dev.wharf.egress.support.Upstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-sandbox connection caps and bandwidth, as the policy sets them. */
class LimitsTest {

    static ProxyFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = new ProxyFixture(Map.of());
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void connectionsPastTheSandboxsCapAreAnswered429() throws Exception {
        f.control.answer("""
                {"environment_id": "env_lim", "network": "allowlist", "allowlist": [{"domain": "plain.test"}],
                 "limits": {"max_connections": 2, "bandwidth_bytes_per_second": 0}}
                """);
        try (Socket learn = f.raw()) { // the proxy learns this sandbox's cap from its first answer
            assertTrue(ProxyFixture.exchange(learn, "GET http://plain.test/ HTTP/1.1\r\nHost: plain.test\r\n"
                    + "Connection: close\r\n\r\n").startsWith("HTTP/1.1 200"));
        }
        Thread.sleep(200); // its slot is given back when the proxy sees it close
        try (Socket one = f.raw(); Socket two = f.raw()) {
            assertTrue(get(one).startsWith("HTTP/1.1 200"));
            assertTrue(get(two).startsWith("HTTP/1.1 200"));
            try (Socket three = f.raw()) {
                String refused = get(three);
                assertTrue(refused.startsWith("HTTP/1.1 429"), refused);
                assertTrue(refused.contains("X-Wharf-Egress-Denied: connection_limit"), refused);
                assertTrue(refused.contains("too many connections from this sandbox"), refused);
                assertEquals(-1, three.getInputStream().read(), "an over-cap connection is closed");
            }
            assertTrue(get(one).startsWith("HTTP/1.1 200"), "admitted connections keep working");
        }
        JsonNode e = f.control.awaitEntry(n -> "connection_limit".equals(n.path("reason").asText()),
                Duration.ofSeconds(10));
        assertEquals("denied", e.get("decision").asText());
        assertEquals(429, e.get("status").asInt());
        assertEquals("plain.test", e.get("host").asText());

        Thread.sleep(200);
        try (Socket again = f.raw()) {
            assertTrue(get(again).startsWith("HTTP/1.1 200"), "closed connections free their slots");
        }
    }

    @Test
    void bandwidthCapSlowsATransferToAtMostTheRate() throws Exception {
        int rate = 256 * 1024;
        int size = 3 * rate;
        f.web.route("/bulk", r -> new Upstream.Reply(200, Map.of(), new byte[size]));
        f.control.answer("""
                {"environment_id": "env_lim", "network": "allowlist", "allowlist": [{"domain": "big.test"}],
                 "limits": {"bandwidth_bytes_per_second": %d}}
                """.formatted(rate));
        try (Socket s = f.raw()) {
            long started = System.nanoTime();
            s.getOutputStream().write("GET http://big.test/bulk HTTP/1.1\r\nHost: big.test\r\n\r\n".getBytes());
            String response = ProxyFixture.readResponse(s.getInputStream()); // reads the whole body
            assertTrue(response.startsWith("HTTP/1.1 200"), response.substring(0, 40));
            long read = response.length() - response.indexOf("\r\n\r\n") - 4;
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue(read >= size, "read " + read);
            // A lower bound only: the shaper admits a burst of about one check interval before it holds back.
            assertTrue(seconds >= 0.5 * size / rate, "took " + seconds + " s for " + size + " bytes at " + rate + "/s");
        }
    }

    private static String get(Socket s) throws Exception {
        return ProxyFixture.exchange(s, "GET http://plain.test/ HTTP/1.1\r\nHost: plain.test\r\n\r\n");
    }
}
