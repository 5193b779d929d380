package dev.wharf.egress;

import dev.wharf.egress.support.FakeControlPlane;
import dev.wharf.egress.support.ProxyFixture;
import dev.wharf.egress.support.TestPki;
import dev.wharf.egress.support.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shaded jar run as the control plane runs it: environment in, ready line out, SIGTERM to stop. */
class EgressProxyJarIT {

    @TempDir
    Path temp;
    FakeControlPlane control;
    Upstream web;
    Map<String, String> env;
    final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        control = new FakeControlPlane();
        control.answer("{\"environment_id\": \"env_jar\", \"network\": \"allowlist\", "
                + "\"allowlist\": [{\"domain\": \"plain.test\"}]}");
        web = Upstream.http("web");
        Path resolveFile = temp.resolve("hosts");
        Files.writeString(resolveFile, "127.0.0.1 loop.test\n");
        env = ProxyFixture.baseEnv(control, temp.resolve("state"), resolveFile,
                TestPki.create().writeCaPem(temp), "plain.test=127.0.0.1:" + web.port());
        // Only the shutdown flush can deliver the log: proves SIGTERM flushes.
        env.put("WHARF_EGRESS_LOG_FLUSH_MS", "600000");
    }

    @AfterEach
    void tearDown() {
        started.forEach(Process::destroyForcibly);
        web.close();
        control.close();
    }

    @Test
    void servesUntilSigtermThenFlushesItsLogAndRestartsWithTheSameCa() throws Exception {
        Process first = start(env);
        int port = awaitReady(first);
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", port))).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://plain.test/jar"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(0, control.entries().size());

        first.destroy(); // SIGTERM
        assertTrue(first.waitFor(20, TimeUnit.SECONDS), "exits after SIGTERM");
        assertEquals("/jar", control.awaitEntry(e -> e.path("path").asText().equals("/jar"), Duration.ofSeconds(2))
                .get("path").asText());
        Path state = temp.resolve("state");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("ca.key"))));
        byte[] cert = Files.readAllBytes(state.resolve("ca.crt"));
        byte[] key = Files.readAllBytes(state.resolve("ca.key"));

        Process second = start(env);
        awaitReady(second);
        assertArrayEquals(cert, Files.readAllBytes(state.resolve("ca.crt")));
        assertArrayEquals(key, Files.readAllBytes(state.resolve("ca.key")));
        second.destroy();
        assertTrue(second.waitFor(20, TimeUnit.SECONDS));
    }

    @Test
    void refusesToStartOnACorruptCaOrAMalformedHostMap() throws Exception {
        Path state = temp.resolve("state");
        Files.createDirectories(state);
        Files.writeString(state.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        Files.writeString(state.resolve("ca.key"), "garbage");
        Process corrupt = start(env);
        assertTrue(corrupt.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, corrupt.exitValue());
        String error = new String(corrupt.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(error.contains("cannot use the CA"), error);
        assertEquals("garbage", Files.readString(state.resolve("ca.key")), "never overwritten");

        env.put("WHARF_EGRESS_STATE_DIR", temp.resolve("other").toString());
        env.put("WHARF_EGRESS_HOSTS", "plain.test=127.0.0.1:1,broken.test=nowhere");
        Process malformed = start(env);
        assertTrue(malformed.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, malformed.exitValue());
        String hostsError = new String(malformed.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(hostsError.contains("'broken.test=nowhere'"), hostsError);
    }

    private Process start(Map<String, String> environment) throws Exception {
        String jar = System.getProperty("egress-proxy.jar", "target/wharf-egress-proxy.jar");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar);
        builder.environment().keySet().removeIf(k -> k.startsWith("WHARF_EGRESS_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private static int awaitReady(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        assertTrue(line != null && line.matches("wharf-egress ready 127\\.0\\.0\\.1:\\d+"), "ready line: " + line);
        return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
    }
}
