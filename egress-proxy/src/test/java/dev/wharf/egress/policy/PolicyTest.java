package dev.wharf.egress.policy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyTest {

    @Test
    void wildcardMatchesNamesBelowAtAnyDepthButNotTheDomainItself() {
        HostPattern p = HostPattern.parse("*.Example.COM.");
        assertTrue(p.matches("a.example.com"));
        assertTrue(p.matches("a.b.example.com"));
        assertFalse(p.matches("example.com"));
        assertFalse(p.matches("badexample.com"));
        assertTrue(HostPattern.parse("*").matches("anything.test"));
        assertTrue(HostPattern.parse("API.test").matches(HostNames.normalize("api.TEST.")));
    }

    @Test
    void exactBeatsTheLongestWildcardWhichBeatsStar() throws IOException {
        Policy policy = parse("""
                {"network": "allowlist", "allowlist": [{"domain": "*"}, {"domain": "*.example.com"},
                 {"domain": "*.b.example.com"}, {"domain": "a.b.example.com"}]}
                """);
        assertEquals("a.b.example.com", policy.ruleFor("a.b.example.com").orElseThrow().domain().toString());
        assertEquals("*.b.example.com", policy.ruleFor("c.b.example.com").orElseThrow().domain().toString());
        assertEquals("*.example.com", policy.ruleFor("c.example.com").orElseThrow().domain().toString());
        assertEquals("*", policy.ruleFor("example.com").orElseThrow().domain().toString());
    }

    @Test
    void placeholdersWithoutTrustedDomainsApplyToEveryAllowedHost() throws IOException {
        Policy policy = parse("""
                {"network": "allowlist", "allowlist": [{"domain": "*"}], "placeholders": [
                  {"placeholder": "p1", "value": "v1", "locations": ["header"], "trusted_domains": null},
                  {"placeholder": "p2", "value": "v2", "locations": ["body"], "trusted_domains": ["*.x.test"]}]}
                """);
        assertEquals(1, policy.placeholdersFor("y.test").size());
        assertEquals(2, policy.placeholdersFor("a.x.test").size());
        assertFalse(policy.placeholders().toString().contains("v1"), "secrets never print");
    }

    @Test
    void malformedPoliciesAreRejectedSoTheProxyFailsClosed() {
        assertThrows(IOException.class, () -> parse("{\"network\": \"wide-open\"}"));
        assertThrows(IOException.class, () -> parse("{\"network\": \"allowlist\", \"allowlist\": [{\"headers\": []}]}"));
        assertThrows(IOException.class, () -> parse("{\"network\": \"allowlist\", \"allowlist\": "
                + "[{\"domain\": \"a.test\", \"headers\": [[\"only-name\"]]}]}"));
        assertThrows(IOException.class, () -> parse("not json"));
    }

    @Test
    void limitsAreOptional() throws IOException {
        Policy policy = parse("{\"network\": \"disabled\", \"limits\": {\"max_connections\": 3}}");
        assertFalse(policy.networkEnabled());
        assertEquals(3, policy.maxConnections());
        assertEquals(null, policy.bandwidthBytesPerSecond());
    }

    private static Policy parse(String json) throws IOException {
        return PolicyJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
