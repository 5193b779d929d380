package dev.wharf.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EgressProxyVariablesTest {

    @Test
    void everyClientIsPointedAtTheProxyAndTheTrustFiles() {
        Map<String, String> variables = EgressProxyVariables.forProxy(URI.create("http://172.18.0.1:7072"));

        assertEquals(List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
                "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS", "NODE_OPTIONS",
                "WHARF_COMMAND_ENV_JAVA_TOOL_OPTIONS"), List.copyOf(variables.keySet()));
        for (String proxy : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")) {
            assertEquals("http://172.18.0.1:7072", variables.get(proxy), proxy);
        }
        assertEquals("localhost,127.0.0.1,::1", variables.get("no_proxy"));
        assertEquals("localhost,127.0.0.1,::1", variables.get("NO_PROXY"));
        assertEquals("/etc/ssl/certs/ca-certificates.crt", variables.get("SSL_CERT_FILE"));
        assertEquals("/etc/ssl/certs/ca-certificates.crt", variables.get("REQUESTS_CA_BUNDLE"));
        assertEquals("/etc/ssl/certs/ca-certificates.crt", variables.get("PIP_CERT"));
        assertEquals("/etc/wharf/extra-ca.crt", variables.get("NODE_EXTRA_CA_CERTS"));
        assertEquals("--require /opt/wharf/node/egress.cjs", variables.get("NODE_OPTIONS"));
        assertEquals("-Dhttp.proxyHost=172.18.0.1 -Dhttp.proxyPort=7072 -Dhttps.proxyHost=172.18.0.1 "
                + "-Dhttps.proxyPort=7072 -Dhttp.nonProxyHosts=localhost|127.*|[::1]",
                variables.get("WHARF_COMMAND_ENV_JAVA_TOOL_OPTIONS"));
    }

    /** The sandbox daemon is a JVM started from the container's environment: it must not pick these up. */
    @Test
    void theJvmOptionsReachOnlyCommandsNeverTheDaemonsOwnJvm() {
        Map<String, String> variables = EgressProxyVariables.forProxy(URI.create("http://172.17.0.1:3128/"));

        assertFalse(variables.containsKey("JAVA_TOOL_OPTIONS"));
        assertFalse(variables.containsKey("JDK_JAVA_OPTIONS"));
        assertFalse(variables.containsKey("_JAVA_OPTIONS"));
        assertEquals("http://172.17.0.1:3128", variables.get("https_proxy"));
    }

    @Test
    void dockerGetsNameEqualsValueInTheSameOrder() {
        List<String> env = EgressProxyVariables.asDockerEnv(
                EgressProxyVariables.forProxy(URI.create("http://172.18.0.1:7072")));

        assertEquals("http_proxy=http://172.18.0.1:7072", env.get(0));
        assertEquals("NODE_OPTIONS=--require /opt/wharf/node/egress.cjs", env.get(10));
        assertEquals(12, env.size());
    }

    /** A sandbox resolves no names, so only an IP address can reach the proxy; nothing is guessed. */
    @ParameterizedTest
    @ValueSource(strings = {"http://proxy.internal:7072", "https://172.18.0.1:7072", "http://172.18.0.1",
            "http://user:secret@172.18.0.1:7072", "http://172.18.0.1:7072/path", "http://[fd00::1]:7072",
            "http://172.18.0.256:7072", "socks5://172.18.0.1:1080"})
    void anythingButHttpToAnIpv4AddressAndPortIsRefused(String proxy) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> EgressProxyVariables.forProxy(URI.create(proxy)));
        assertEquals("the egress proxy must be given as http://<IPv4 address>:<port>, not " + proxy,
                refused.getMessage());
    }
}
