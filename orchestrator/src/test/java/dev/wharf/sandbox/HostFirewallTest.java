package dev.wharf.sandbox;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.interaction.InteractionConfig;
import dev.wharf.sandbox.docker.HostFirewall;
import dev.wharf.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The host firewall, attacked from inside a real sandbox: the only host port a sandbox reaches is the model
 * gateway's; a service bound to 0.0.0.0 on the host, and the control plane's own API, are refused. Every connection
 * goes to the sandbox network's gateway address (the host's own address on it), never anywhere else.
 */
@QuarkusTest
@TestProfile(HostFirewallTest.OwnNetwork.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostFirewallTest {
    /** Its own network (so flushing its chain by hand opens no other run's sandboxes), and the firewall required. */
    public static class OwnNetwork implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The API listens on every address here, as in production: a refusal must come from the firewall, not
            // from the test profile's loopback-only default.
            return Map.of("wharf.sandbox.network", "wharf-sandboxes-fw",
                    "wharf.sandbox.firewall", "on",
                    "quarkus.http.host", "0.0.0.0");
        }
    }

    /** Connects from inside the sandbox and prints connected, refused or the error; bounded by its own timeout. */
    private static final String PROBE = """
            import socket, sys
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect((sys.argv[1], int(sys.argv[2])))
                print("connected")
            except ConnectionRefusedError:
                print("refused")
            except OSError as e:
                print("error", e)
            """;

    @TestHTTPResource
    java.net.URL application;

    @Inject
    SandboxStartup sandboxes;

    @Inject
    HostFirewall firewall;

    @Inject
    InteractionConfig interactions;
    @Inject
    dev.wharf.egress.EgressConfig egress;

    String id;
    String gateway;
    ServerSocket hostService;

    @BeforeAll
    void start() throws IOException {
        Api.bindToRunningApp(application);
        gateway = sandboxes.gatewayAddress();
        assertNotNull(gateway, "the sandbox network's gateway address");
        // A host service as careless as most: every address, a free port.
        hostService = new ServerSocket();
        hostService.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
        id = Api.createEnvironment();
    }

    @AfterAll
    void stop() throws IOException {
        Api.bindToRunningApp(application);
        RestAssured.given().delete("/v1/environments/" + id);
        hostService.close();
    }

    @Test
    @Order(1)
    void aHostServiceOnEveryAddressIsRefused() throws IOException {
        assertReachableFromTheHost(hostService.getLocalPort());
        assertEquals("refused", probe(hostService.getLocalPort()));
    }

    @Test
    @Order(2)
    void theControlPlanesOwnApiIsRefused() throws IOException {
        assertReachableFromTheHost(application.getPort());
        assertEquals("refused", probe(application.getPort()));
    }

    @Test
    @Order(3)
    void theModelGatewayAndTheEgressProxyAreReachable() {
        assertEquals("connected", probe(interactions.gatewayPort()));
        assertEquals("connected", probe(egress.port()));
    }

    @Test
    @Order(4)
    void theRulesAreInstalledFirstInInputForTheBridgeOnly() {
        HostFirewall.Installed installed = firewall.installed();
        assertNotNull(installed, "installed at start");
        assertExpectedRules(installed);
    }

    @Test
    @Order(5)
    void aChainFlushedByHandIsAHoleUntilTheNextStartReplacesIt() throws Exception {
        HostFirewall.Installed installed = firewall.installed();
        try {
            iptables("-F", installed.networkChain());
            // A leftover rule in this deployment's chain, as a crashed or older run might have left.
            iptables("-A", installed.deploymentChain(), "-d", gateway + "/32", "-p", "tcp", "--dport",
                    String.valueOf(hostService.getLocalPort()), "-j", "ACCEPT");
            assertEquals("connected", probe(hostService.getLocalPort()),
                    "without the firewall the host service is reachable: the refusals above are the firewall's");
        } finally {
            // What SandboxStartup runs at start.
            firewall.install(installed.bridge(), installed.gateway());
        }
        assertExpectedRules(installed);
        assertEquals("refused", probe(hostService.getLocalPort()));
        assertEquals("connected", probe(interactions.gatewayPort()));
    }

    @Test
    @Order(6)
    void anotherDeploymentOnTheSameNetworkKeepsItsPortThroughOurRestartAndShutdown() throws Exception {
        HostFirewall.Installed installed = firewall.installed();
        // A peer deployment's chain, as its own HostFirewall would write it, opening its gateway port (played here
        // by the host service) on the same gateway address.
        String peer = "WHARF-fwtest-peer";
        int peerPort = hostService.getLocalPort();
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            iptables("-N", peer);
            iptables("-A", peer, "-d", gateway + "/32", "-p", "tcp", "-m", "tcp", "--dport", String.valueOf(peerPort),
                    "-j", "ACCEPT");
            try {
                firewall.install(installed.bridge(), installed.gateway());
                assertEquals("connected", probe(peerPort), "the peer's port stays open through our restart");
                assertEquals("connected", probe(interactions.gatewayPort()));
                assertEquals("refused", probe(other.getLocalPort()));

                // Our shutdown: our port closes, the network stays fenced for the peer's sandboxes.
                firewall.remove(false);
                assertEquals("connected", probe(peerPort));
                assertEquals("refused", probe(other.getLocalPort()));
                assertEquals("refused", probe(interactions.gatewayPort()), "our port is closed with us");
            } finally {
                cleanUp("-D", installed.networkChain(), "-j", peer);
                cleanUp("-F", peer);
                cleanUp("-X", peer);
                firewall.install(installed.bridge(), installed.gateway());
            }
        }
        assertExpectedRules(installed);
        assertEquals("connected", probe(interactions.gatewayPort()));
    }

    private void assertExpectedRules(HostFirewall.Installed installed) {
        List<String> rules = firewall.listRules();
        List<String> input = rules.stream().filter(r -> r.startsWith("-A INPUT ")).toList();
        assertEquals("-A INPUT -i " + installed.bridge() + " -j " + installed.networkChain(), input.get(0),
                "first in INPUT: " + input);
        assertEquals(1, input.stream().filter(r -> r.endsWith("-j " + installed.networkChain())).count(),
                "one jump: " + input);
        String net = installed.networkChain();
        List<String> network = rules.stream().filter(r -> r.startsWith("-A " + net + " ")).toList();
        assertEquals(List.of(
                "-A " + net + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-A " + net + " -j " + installed.deploymentChain(),
                "-A " + net + " -p tcp -j REJECT --reject-with tcp-reset",
                "-A " + net + " -j REJECT --reject-with icmp-port-unreachable"), network);
        String own = installed.deploymentChain();
        assertEquals(List.of("-A " + own + " -d " + gateway + "/32 -p tcp -m tcp --dport "
                        + interactions.gatewayPort() + " -j ACCEPT", "-A " + own + " -d " + gateway
                        + "/32 -p tcp -m tcp --dport " + egress.port() + " -j ACCEPT"),
                rules.stream().filter(r -> r.startsWith("-A " + own + " ")).toList());
    }

    /** The port really listens on the gateway address: a refusal from inside is the firewall's doing. */
    private void assertReachableFromTheHost(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(gateway, port), 5000);
            assertTrue(socket.isConnected());
        }
    }

    private String probe(int port) {
        return probe(id, gateway, port);
    }

    /** From inside the environment's sandbox, a TCP connect to host:port: connected, refused or error. */
    static String probe(String environmentId, String host, int port) {
        return Api.exec(environmentId, Map.of("command", List.of("python3", "-c", PROBE, host, String.valueOf(port)),
                        "timeout_seconds", 30))
                .statusCode(200).body("exit_code", equalTo(0))
                .extract().<String>path("stdout").strip();
    }

    /** Best effort: a rule that is already gone is fine. */
    private static void cleanUp(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("iptables", "-w", "5"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    private static void iptables(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("iptables", "-w", "5"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "iptables finished");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }
}
