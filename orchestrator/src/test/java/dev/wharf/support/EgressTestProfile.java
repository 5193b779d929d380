package dev.wharf.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Sandboxes with egress to {@link EgressUpstreams}: every test name mapped to the local servers through
 * wharf.egress.hosts, and the servers' test CA trusted by the proxy and the sandboxes (wharf.egress.upstream-ca).
 * Everything else still resolves only from the test resolve file: no DNS query ever leaves.
 */
public class EgressTestProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        EgressUpstreams upstreams = EgressUpstreams.get();
        return Map.of(
                "wharf.egress.hosts", upstreams.hostsMapping(),
                "wharf.egress.upstream-ca", upstreams.caFile().toString(),
                // Small enough that the bandwidth test moves few bytes, large enough for pages and packages.
                "wharf.egress.bandwidth-bytes-per-second", "1048576");
    }
}
