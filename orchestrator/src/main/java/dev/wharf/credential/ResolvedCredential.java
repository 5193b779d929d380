package dev.wharf.credential;

import dev.wharf.egress.DomainPattern;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An active credential with its secrets opened, for the egress proxy to inject into one outbound request. Only
 * {@link CredentialService#resolve} makes these; they are never stored, answered or logged (secrets print as
 * {@code (secret)}).
 */
public sealed interface ResolvedCredential {
    String tenantId();

    String id();

    /** A value put where the request carries the placeholder, at the allowed locations, for the trusted domains. */
    record EnvironmentVariable(String tenantId, String id, Secret value, Set<InjectionLocation> injectionLocations,
                               Optional<List<String>> trustedDomains) implements ResolvedCredential {
        /**
         * Whether the value may be sent to {@code host}: with no {@code trusted_domains}, any host the environment's
         * allowlist lets the request reach; otherwise an exact entry, or {@code *.example.com} for any name below
         * example.com (not example.com itself). Host names compare case-insensitively, a trailing dot ignored.
         */
        public boolean trusts(String host) {
            if (trustedDomains.isEmpty()) {
                return true;
            }
            return trustedDomains.get().stream().anyMatch(domain -> DomainPattern.stored(domain).matches(host));
        }
    }

    /** A token sent as {@code <header_name>: <prefix> <token>} (just the token when the prefix is empty). */
    record BearerToken(String tenantId, String id, Secret token, String headerName, String prefix)
            implements ResolvedCredential {
        public Secret headerValue() {
            return new Secret(prefix.isEmpty() ? token.reveal() : prefix + " " + token.reveal());
        }
    }

    /** What a refresh-token grant at {@code tokenUrl} needs; the access tokens it yields are the proxy's to cache. */
    record OAuth2(String tenantId, String id, String clientId, Secret clientSecret, Secret refreshToken, URI tokenUrl,
                  List<String> scopes) implements ResolvedCredential {
    }
}
