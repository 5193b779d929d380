package dev.wharf.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ulimit;
import com.sun.net.httpserver.HttpServer;
import dev.wharf.environment.EnvironmentReconciler;
import dev.wharf.interaction.InteractionConfig;
import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.sandbox.docker.SandboxRuntime;
import dev.wharf.support.Api;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Sandboxes under gVisor (wharf.sandbox.runtime=runsc), end to end through the API, in one environment: the code
 * inside meets gVisor's kernel, not the host's, and the platform's guarantees hold there as under runc (files, the
 * workspace quota, the host firewall, an agent that browses a page); where gVisor behaves differently (memory and
 * process exhaustion end the whole sandbox), the test pins the difference down. Traffic goes only to the sandbox
 * network's gateway address: the page is served by this test on the host's loopback, reached through the egress proxy.
 */
@QuarkusTest
@Tag("runtime")
@TestProfile(GvisorSandboxTest.Gvisor.class)
@QuarkusTestResource(value = GvisorSandboxTest.LocalPage.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(ScriptedModel.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GvisorSandboxTest {
    static final long WORKSPACE = 64L << 20;
    static final String PAGE = "<html><head><title>Harbour tides</title></head>"
            + "<body><h1>High tide 06:12</h1><p>Low tide 12:31.</p></body></html>";

    /** gVisor, a small workspace (the quota case stays quick), and the firewall required rather than best effort. */
    public static class Gvisor implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Chromium peaks at about 500 MB under gVisor (the image's files it reads are held in the sandbox's own
            // memory), above the test profile's usual 256 MB.
            return Map.of("wharf.sandbox.runtime", "runsc",
                    "wharf.sandbox.memory", "1g",
                    "wharf.sandbox.workspace-size", "64m",
                    "wharf.sandbox.firewall", "on",
                    "quarkus.http.host", "0.0.0.0");
        }
    }

    /** A web page on the host's loopback, which sandboxes reach as tides.test through the egress proxy. */
    public static class LocalPage implements QuarkusTestResourceLifecycleManager {
        static HttpServer server;

        @Override
        public Map<String, String> start() {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/tides.html", exchange -> {
                byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return Map.of("wharf.egress.hosts", "tides.test=127.0.0.1:" + server.getAddress().getPort());
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop(0);
            }
        }
    }

    @TestHTTPResource
    java.net.URL application;
    @Inject
    DockerClient docker;
    @Inject
    SandboxConfig config;
    @Inject
    SandboxStartup sandboxes;
    @Inject
    InteractionConfig interactions;
    @Inject
    dev.wharf.egress.EgressConfig egress;
    @Inject
    EnvironmentReconciler reconciler;

    String id;
    String gateway;

    @BeforeAll
    void createEnvironment() {
        Api.bindToRunningApp(application);
        gateway = sandboxes.gatewayAddress();
        assertNotNull(gateway, "the sandbox network's gateway address");
        id = Api.createEnvironment(Map.of("network", Map.of("allowlist", List.of(Map.of("domain", "tides.test")))));
    }

    @AfterAll
    void deleteEnvironment() {
        Api.bindToRunningApp(application);
        RestAssured.given().delete("/v1/environments/" + id);
    }

    @Test
    @Order(1)
    void theSandboxRunsOnGvisorsKernel() {
        InspectContainerResponse container = container();
        HostConfig host = container.getHostConfig();
        assertEquals("runsc", host.getRuntime());
        // gVisor's host threads count against the host's pids cgroup; the sandbox's own limit is gVisor's NPROC.
        assertEquals(config.runscHostPidsLimit(), host.getPidsLimit());
        Ulimit nproc = List.of(host.getUlimits()).stream().filter(u -> "nproc".equals(u.getName())).findFirst()
                .orElseThrow();
        assertEquals(config.pidsLimit(), nproc.getHardLong());
        Api.execOk(id, "dmesg").body("stdout", containsString("Starting gVisor"));
        Api.execOk(id, "cat /proc/version").body("stdout", not(containsString(hostKernel())));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'docker' }.data.runtime", equalTo("runsc"));
    }

    @Test
    @Order(2)
    void theHardeningHoldsInside() {
        Api.execOk(id, "id -u").body("stdout", equalTo("1000\n"));
        Api.execOk(id, "grep CapEff /proc/self/status").body("stdout", equalTo("CapEff:\t0000000000000000\n"));
        Api.execOk(id, "python3 -c 'import ctypes; print(ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))'")
                .body("stdout", equalTo("1\n"));
        Api.execOk(id, "grep -E '^[0-9]+ [0-9]+ [0-9:]+ / / ' /proc/self/mountinfo | cut -d' ' -f6")
                .body("stdout", equalTo("ro\n"));
        Api.exec(id, Map.of("command", "echo x > /etc/owned")).statusCode(200).body("exit_code", not(equalTo(0)));
        Api.execOk(id, "ulimit -u").body("stdout", equalTo(config.pidsLimit() + "\n"));
        Api.execOk(id, "touch /workspace/ok /tmp/ok /home/wharf/ok");
    }

    @Test
    @Order(3)
    void filesGoInAndComeOutUnchanged() throws Exception {
        byte[] content = new byte[4 * 1024 * 1024 + 3];
        new Random(7).nextBytes(content);
        given().contentType("application/octet-stream").body(new ByteArrayInputStream(content))
                .put("/upload/v1/environments/" + id + "/files/data/blob.bin")
                .then().statusCode(200).body("size_bytes", equalTo(String.valueOf(content.length)));
        String sha = sha256(content);
        Api.execOk(id, "sha256sum data/blob.bin | cut -d' ' -f1").body("stdout", equalTo(sha + "\n"));
        Api.execOk(id, "printf 'made inside' > data/inside.txt");
        byte[] back = given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/data/blob.bin")
                .then().statusCode(200).extract().asByteArray();
        assertEquals(sha, sha256(back));
        given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/data/inside.txt")
                .then().statusCode(200).body(equalTo("made inside"));
        given().get("/v1/environments/" + id + "/files/data").then().statusCode(200)
                .body("files.path", hasItem("data/inside.txt"));
    }

    @Test
    @Order(4)
    void writingPastTheWorkspaceLimitFailsWithEnospc() {
        Api.exec(id, Map.of("command", "head -c 200M /dev/zero > /workspace/big", "timeout_seconds", 60))
                .statusCode(200).body("exit_code", not(equalTo(0)))
                .body("stderr", containsString("No space left on device"));
        long size = Long.parseLong(Api.execOk(id, "df -B1 --output=size /workspace | tail -1")
                .extract().path("stdout").toString().trim());
        assertTrue(size <= WORKSPACE && size > WORKSPACE / 2, "the sandbox sees a " + size + " byte workspace");
        Api.execOk(id, "rm -f /workspace/big && echo fine > /workspace/small && cat /workspace/small")
                .body("stdout", equalTo("fine\n"));
    }

    @Test
    @Order(5)
    void theHostFirewallRefusesEveryPortButTheOpenedOnes() throws IOException {
        try (ServerSocket hostService = new ServerSocket()) {
            hostService.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            assertEquals("refused", probe(hostService.getLocalPort()));
        }
        assertEquals("refused", probe(application.getPort()), "the control plane's own API");
        assertEquals("connected", probe(interactions.gatewayPort()), "the model gateway");
        assertEquals("connected", probe(egress.port()), "the egress proxy");
    }

    @Test
    @Order(6)
    void anAgentBrowsesAPageFromInsideGvisor() {
        ScriptedOpenAiServer model = ScriptedModel.server();
        model.reset();
        String url = "http://tides.test/tides.html";
        model.replyToolCall("browse", new JsonObject().put("url", url).encode())
                .reply("High tide is at 06:12.");
        given().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "When is high tide?", "environment", id,
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model")))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed"))
                .body("environment_id", equalTo(id))
                .body("steps.type", hasItem("url_context_call"))
                .body("steps.find { it.type == 'url_context_result' }.is_error", equalTo(false))
                .body("steps.find { it.type == 'url_context_result' }.x_text", containsString("High tide 06:12"))
                .body("steps.find { it.type == 'url_context_result' }.x_text", containsString("Harbour tides"))
                .body("steps[-1].content[0].text", equalTo("High tide is at 06:12."));
    }

    /**
     * Under runc only the command dies (exec answers oom_killed, the sandbox lives on). Under gVisor the host's OOM
     * killer sees one large process, the Sentry, and the whole sandbox goes: the environment fails oom_killed and the
     * next use resumes it on the same files.
     */
    @Test
    @Order(7)
    void aMemoryHogEndsTheWholeSandboxWhichResumesWithItsFiles() throws Throwable {
        String before = container().getId();
        Api.exec(id, Map.of("command", "python3 -c 'b = [bytearray(1 << 20) for _ in range(4096)]'",
                "timeout_seconds", 120)).statusCode(503);
        settle(before);
        given().get("/v1/environments/" + id).then().statusCode(200)
                .body("status", equalTo("failed")).body("x_failure.reason", equalTo("oom_killed"));
        Api.execOk(id, "cat data/inside.txt").body("stdout", equalTo("made inside"));
    }

    /**
     * Every process in the sandbox costs gVisor about ten host tasks, so a fork bomb reaches the host's pids limit
     * (runsc-host-pids-limit) long before gVisor's own NPROC refuses it, and the sandbox ends: the host keeps its
     * PID space, the environment fails and resumes.
     */
    @Test
    @Order(8)
    void aForkBombEndsItsOwnSandboxWithinTheHostPidsLimit() throws Throwable {
        String before = container().getId();
        Api.exec(id, Map.of("command", "for i in $(seq 1 1000); do sleep 300 & done; wait", "timeout_seconds", 120))
                .statusCode(503);
        settle(before);
        given().get("/v1/environments/" + id).then().statusCode(200)
                .body("status", equalTo("failed")).body("x_failure.reason", equalTo("exited"));
        Api.execOk(id, "cat data/inside.txt").body("stdout", equalTo("made inside"));
        assertEquals("runsc", container().getHostConfig().getRuntime(), "resumed under gVisor again");
    }

    @Test
    @Order(9)
    void aRuntimeTheEngineLacksStopsTheStartWithTheFix() {
        SandboxRuntime missing = new SandboxRuntime(docker, runtimeNamed("runsc-not-registered"));
        SandboxRuntime.MissingRuntimeException e = assertThrows(SandboxRuntime.MissingRuntimeException.class,
                missing::require);
        // Names what the engine has, and how to get gVisor registered.
        assertTrue(e.getMessage().contains("runsc-not-registered")
                        && e.getMessage().matches("(?s).*\\(it has [^)]*\\brunsc\\b[^)]*\\).*")
                        && e.getMessage().contains("apt-get install runsc") && e.getMessage().contains("./wharf up"),
                e.getMessage());
        new SandboxRuntime(docker, runtimeNamed("runsc")).require();
    }

    /**
     * Once the engine has recorded the container's end (gVisor's processes take a moment to go after the daemon's
     * connection broke), the reconciler's pass fails the environment if the exec path did not already.
     */
    private void settle(String containerId) throws Throwable {
        try {
            for (int i = 0; i < 600 && Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState()
                    .getRunning()); i++) {
                Thread.sleep(100);
            }
        } catch (NotFoundException removed) {
            // Already failed and removed by the exec path.
        }
        VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcileOnce());
    }

    private InspectContainerResponse container() {
        String containerId = docker.listContainersCmd()
                .withLabelFilter(Map.of(SandboxLabels.ENVIRONMENT, id)).exec().get(0).getId();
        return docker.inspectContainerCmd(containerId).exec();
    }

    private static String hostKernel() {
        return System.getProperty("os.version");
    }

    private String probe(int port) {
        return HostFirewallTest.probe(id, gateway, port);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static SandboxConfig runtimeNamed(String runtime) {
        return (SandboxConfig) Proxy.newProxyInstance(SandboxConfig.class.getClassLoader(),
                new Class<?>[] {SandboxConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "runtime" -> runtime;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
