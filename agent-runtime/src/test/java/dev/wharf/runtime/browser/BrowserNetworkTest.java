package dev.wharf.runtime.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrowserNetworkTest {

    private static final Path CAS = Path.of("/etc/wharf/extra-ca.crt");

    @Test
    void theSandboxsProxyBecomesChromiumsOnlyProxyForEveryScheme() {
        BrowserNetwork network = BrowserNetwork.fromEnvironment(Map.of(
                "https_proxy", "http://172.18.0.1:7072", "http_proxy", "http://172.18.0.1:7072",
                "HTTPS_PROXY", "http://172.18.0.1:7072", "HTTP_PROXY", "http://172.18.0.1:7072",
                "no_proxy", "localhost,127.0.0.1,::1,.internal.example"), CAS);

        assertTrue(network.proxied());
        // No --proxy-bypass-list: nothing but loopback (Chromium's implicit rule) goes around the proxy, whatever
        // no_proxy says.
        assertEquals(List.of("--proxy-server=http://172.18.0.1:7072"), network.flags());
        assertEquals(CAS, network.trustedCertificates());
    }

    @Test
    void eitherVariableAloneIsUsedForBothSchemesAndATrailingSlashIsDropped() {
        assertEquals(List.of("--proxy-server=http://172.17.0.1:3128"),
                BrowserNetwork.fromEnvironment(Map.of("HTTPS_PROXY", "http://172.17.0.1:3128/"), CAS).flags());
        assertEquals(List.of("--proxy-server=http://172.17.0.1:3128"),
                BrowserNetwork.fromEnvironment(Map.of("http_proxy", "http://172.17.0.1:3128"), CAS).flags());
    }

    @Test
    void differentProxiesPerSchemeBecomeOneRuleEach() {
        assertEquals(List.of("--proxy-server=https=http://172.17.0.1:1;http=http://172.17.0.2:2"),
                BrowserNetwork.fromEnvironment(Map.of("https_proxy", "http://172.17.0.1:1",
                        "http_proxy", "http://172.17.0.2:2"), CAS).flags());
    }

    @Test
    void withoutAProxyOrWithOneChromiumWouldMisreadItConnectsDirectly() {
        for (Map<String, String> environment : List.of(Map.<String, String>of(), Map.of("https_proxy", " "),
                Map.of("https_proxy", "http://172.17.0.1:1;direct://"), Map.of("http_proxy", "http://u:p@172.17.0.1:1"),
                Map.of("http_proxy", "http://172.17.0.1"))) {
            BrowserNetwork network = BrowserNetwork.fromEnvironment(environment, CAS);
            assertFalse(network.proxied(), environment.toString());
            assertEquals(List.of(), network.flags(), environment.toString());
        }
    }
}
