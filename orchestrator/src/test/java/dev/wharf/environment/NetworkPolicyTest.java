package dev.wharf.environment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.api.ApiException;
import dev.wharf.egress.DomainPattern;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an environment's network field may say, and the exact shape it is kept and shown in. */
class NetworkPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static NetworkPolicy parse(String json) throws Exception {
        return NetworkPolicy.parse(JSON.readTree(json), "network", DomainPattern.Any.ALLOWED);
    }

    private static String refusal(String json) {
        return assertThrows(ApiException.class, () -> parse(json)).getMessage();
    }

    @Test
    void disabledInEveryForm() throws Exception {
        assertTrue(NetworkPolicy.parse(null, "network", DomainPattern.Any.ALLOWED).disabled());
        assertTrue(parse("\"disabled\"").disabled());
        assertTrue(parse("{\"allowlist\": \"disabled\"}").disabled());
        assertEquals("\"disabled\"", parse("\"disabled\"").view().toString());
        assertEquals("disabled", NetworkPolicy.DISABLED.stored());
    }

    @Test
    void anAllowlistRoundTripsThroughItsStoredForm() throws Exception {
        NetworkPolicy policy = parse("""
                {"allowlist": [
                  {"domain": "API.Example.com", "credential": "gh-token"},
                  {"domain": "*.shop.test", "transform": {"X-Api-Version": "2"}},
                  {"domain": "docs.test", "transform": [{"A": "1"}, {"B": "2", "A": "3"}]}]}""");
        NetworkPolicy stored = NetworkPolicy.fromStored(policy.stored());
        assertEquals(policy, stored);
        JsonNode view = stored.view();
        assertEquals("api.example.com", view.get("allowlist").get(0).get("domain").asText(), "names are lower-cased");
        assertEquals("gh-token", view.get("allowlist").get(0).get("credential").asText());
        assertEquals(List.of(Map.of("X-Api-Version", "2")), stored.allowlist().get(1).headers(),
                "one header map is a list of one");
        assertEquals(2, stored.allowlist().get(2).headers().size());
        assertEquals(java.util.Set.of("gh-token"), stored.credentialIds());
    }

    @Test
    void wildcardsMatchBelowTheirDomainOnly() {
        DomainPattern wildcard = DomainPattern.stored("*.shop.test");
        assertTrue(wildcard.matches("a.shop.test"));
        assertTrue(wildcard.matches("a.b.shop.test"));
        assertTrue(wildcard.matches("A.Shop.Test."));
        assertFalse(wildcard.matches("shop.test"));
        assertFalse(wildcard.matches("evilshop.test"));
        assertTrue(DomainPattern.stored("*").matches("anything.example"));
    }

    @Test
    void malformedEntriesAreRefusedNamingTheField() {
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"https://a.test\"}]}")
                .startsWith("network.allowlist[0].domain must be a host name without a scheme"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.*.test\"}]}").contains("network.allowlist[0].domain"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"*.test\"}]}").contains("too broad"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"127.0.0.1\"}]}").contains("not an IP address"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"[::1]\"}]}").contains("not an IP address"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.test:443\"}]}").contains("without a port"));
        assertTrue(refusal("{\"allowlist\": [{}]}").contains("network.allowlist[0].domain is required"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.test\", \"port\": 1}]}")
                .contains("network.allowlist[0].port is not a known field"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.test\"}, {\"domain\": \"A.test\"}]}")
                .contains("listed twice"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.test\", \"credential\": \"no spaces\"}]}")
                .contains("network.allowlist[0].credential"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.test\", \"transform\": {\"Host\": \"b.test\"}}]}")
                .contains("network.allowlist[0].transform.Host"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.test\", \"transform\": {\"X\": \"a\\r\\nB: c\"}}]}")
                .contains("no line breaks"));
        assertTrue(refusal("{\"allowlist\": [{\"domain\": \"a.test\", \"transform\": [{\"X\": 1}]}]}")
                .contains("network.allowlist[0].transform[0].X must be a string"));
        assertTrue(refusal("{\"allowlist\": {\"domain\": \"a.test\"}}").contains("network.allowlist must be a list"));
        assertTrue(refusal("\"enabled\"").startsWith("network must be"));
        assertTrue(refusal("{\"allow\": []}").contains("network.allow is not a known field"));
    }

    @Test
    void anyHostIsRefusedWhereThePolicySaysSo() throws Exception {
        assertTrue(parse("{\"allowlist\": [{\"domain\": \"*\"}]}").allowsAnyHost());
        ApiException refused = assertThrows(ApiException.class, () -> NetworkPolicy.parse(
                JSON.readTree("{\"allowlist\": [{\"domain\": \"*\"}]}"), "network", DomainPattern.Any.REFUSED));
        assertTrue(refused.getMessage().startsWith("network.allowlist[0].domain cannot be *"), refused.getMessage());
    }

    @Test
    void theAgentIsToldWhatItCanReach() throws Exception {
        assertTrue(NetworkPolicy.DISABLED.describeForAgent().contains("offline"));
        String listed = parse("{\"allowlist\": [{\"domain\": \"shop.test\"}, {\"domain\": \"*.docs.test\"}]}")
                .describeForAgent();
        assertTrue(listed.contains("shop.test, *.docs.test"), listed);
    }
}
