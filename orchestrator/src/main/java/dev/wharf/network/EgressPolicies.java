package dev.wharf.network;

import dev.wharf.credential.CredentialService;
import dev.wharf.credential.ResolvedCredential;
import dev.wharf.credential.Secret;
import dev.wharf.credential.SecretUnreadableException;
import dev.wharf.egress.DomainPattern;
import dev.wharf.environment.Environment;
import dev.wharf.environment.EnvironmentRepository;
import dev.wharf.environment.NetworkPolicy;
import dev.wharf.environment.NetworkPolicyCheck;
import dev.wharf.sandbox.SandboxConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * What the egress proxy may do for one sandbox, asked for on every request it proxies: the environment's allowlist
 * as it is now (a change applies to the next request), with each entry's headers, its bearer credential as a header
 * and its oauth2 credential's grant, and the placeholders in the sandbox's environment with the values the proxy
 * puts in their place on requests to their trusted domains. Credentials are resolved here each time, so a revoked
 * or deleted one is injected no more from the next request on. This answer is the only place secrets leave the
 * control plane, and only to the proxy, over loopback, behind the control token.
 */
@ApplicationScoped
public class EgressPolicies {
    private static final Logger LOG = Logger.getLogger(EgressPolicies.class);

    private final EnvironmentRepository environments;
    private final NetworkPolicyCheck policyCheck;
    private final CredentialService credentials;
    private final int daemonPort;

    public EgressPolicies(EnvironmentRepository environments, NetworkPolicyCheck policyCheck,
                          CredentialService credentials, SandboxConfig sandboxes) {
        this.environments = environments;
        this.daemonPort = sandboxes.daemonPort();
        this.policyCheck = policyCheck;
        this.credentials = credentials;
    }

    /** The policy of the active sandbox at {@code address}; empty when no sandbox has it. */
    public Uni<Optional<JsonObject>> forSource(String address) {
        return Panache.withSession(() -> environments.activeAt(daemonUrl(address)))
                .chain(env -> env == null ? Uni.createFrom().item(Optional.<JsonObject>empty())
                        : policyOf(env).map(Optional::of));
    }

    /**
     * How an environment records its sandbox: the daemon's URL at the container's address on the sandbox network,
     * which is the source address of the sandbox's connections to the proxy. (A control plane that reaches sandboxes
     * through wharf.sandbox.address-override records another address; egress then knows no sandbox.)
     */
    private String daemonUrl(String sourceAddress) {
        return "http://" + sourceAddress + ":" + daemonPort;
    }

    private Uni<JsonObject> policyOf(Environment env) {
        NetworkPolicy policy = NetworkPolicy.fromStored(env.network);
        JsonObject answer = new JsonObject().put("environment_id", env.id).put("tenant_id", env.tenantId);
        if (policy.disabled()) {
            return Uni.createFrom().item(answer.put("network", "disabled"));
        }
        Set<String> ids = new LinkedHashSet<>(policy.credentialIds());
        Map<String, Map<String, String>> credentialEnv = env.credentialEnv == null ? Map.of() : env.credentialEnv;
        credentialEnv.values().forEach(ref -> ids.add(ref.get("credential")));
        return policyCheck.anyHost(env.tenantId).chain(anyHost -> resolveAll(env.tenantId, ids).map(resolved -> {
            JsonArray allowlist = new JsonArray();
            // Domains whose entry names an environment_variable credential: that credential is trusted there too.
            Map<String, List<String>> namedAt = new LinkedHashMap<>();
            for (NetworkPolicy.Entry entry : policy.allowlist()) {
                if (entry.domain().isAny() && anyHost == DomainPattern.Any.REFUSED) {
                    continue; // allowed when written, forbidden since: forbidden now
                }
                allowlist.add(rule(entry, resolved, namedAt));
            }
            JsonArray placeholders = new JsonArray();
            credentialEnv.forEach((name, ref) -> {
                if (resolved.get(ref.get("credential")) instanceof ResolvedCredential.EnvironmentVariable variable) {
                    placeholders.add(placeholder(ref.get("placeholder"), variable,
                            namedAt.getOrDefault(variable.id(), List.of())));
                }
            });
            return answer.put("network", "allowlist").put("allowlist", allowlist).put("placeholders", placeholders);
        }));
    }

    private static JsonObject rule(NetworkPolicy.Entry entry, Map<String, ResolvedCredential> resolved,
                                   Map<String, List<String>> namedAt) {
        JsonArray headers = new JsonArray();
        entry.headers().forEach(map -> map.forEach((name, value) -> headers.add(new JsonArray().add(name).add(value))));
        JsonObject rule = new JsonObject().put("domain", entry.domain().text());
        ResolvedCredential credential = entry.credential() == null ? null : resolved.get(entry.credential());
        if (credential instanceof ResolvedCredential.BearerToken bearer) {
            headers.add(new JsonArray().add(bearer.headerName()).add(bearer.headerValue().reveal()));
        } else if (credential instanceof ResolvedCredential.OAuth2 oauth2) {
            rule.put("oauth2", new JsonObject()
                    .put("cache_key", cacheKey(oauth2))
                    .put("token_url", oauth2.tokenUrl().toString())
                    .put("client_id", oauth2.clientId())
                    .put("client_secret", oauth2.clientSecret().reveal())
                    .put("refresh_token", oauth2.refreshToken().reveal())
                    .put("scopes", new JsonArray(new ArrayList<>(oauth2.scopes())))
                    .put("header_name", "Authorization")
                    .put("prefix", "Bearer"));
        } else if (credential instanceof ResolvedCredential.EnvironmentVariable variable) {
            namedAt.computeIfAbsent(variable.id(), id -> new ArrayList<>()).add(entry.domain().text());
        }
        return rule.put("headers", headers);
    }

    private static JsonObject placeholder(String placeholder, ResolvedCredential.EnvironmentVariable variable,
                                          List<String> namedAt) {
        JsonArray locations = new JsonArray();
        variable.injectionLocations().forEach(location -> locations.add(location.wire()));
        JsonObject answer = new JsonObject().put("placeholder", placeholder).put("value", variable.value().reveal())
                .put("locations", locations);
        if (variable.trustedDomains().isEmpty()) {
            // No trusted_domains: every host the allowlist lets the sandbox reach (see ResolvedCredential).
            return answer.putNull("trusted_domains");
        }
        Set<String> trusted = new LinkedHashSet<>(variable.trustedDomains().get());
        trusted.addAll(namedAt);
        return answer.put("trusted_domains", new JsonArray(new ArrayList<>(trusted)));
    }

    /**
     * The proxy's report that the token endpoint answered a grant with a new refresh token: {@code cache_key} (the
     * grant's, which names the credential), {@code previous_refresh_token} and {@code refresh_token}. Empty when the
     * report is malformed.
     */
    public Uni<Optional<CredentialService.Rotation>> refreshTokenRotated(JsonObject report) {
        String cacheKey = report.getValue("cache_key") instanceof String text ? text : null;
        String previous = report.getValue("previous_refresh_token") instanceof String text ? text : null;
        String next = report.getValue("refresh_token") instanceof String text ? text : null;
        int idEnd = cacheKey == null ? -1 : cacheKey.lastIndexOf('/');
        int tenantEnd = idEnd <= 0 ? -1 : cacheKey.lastIndexOf('/', idEnd - 1);
        if (tenantEnd <= 0 || previous == null || next == null) {
            return Uni.createFrom().item(Optional.empty());
        }
        return credentials.rotateRefreshToken(cacheKey.substring(0, tenantEnd),
                        cacheKey.substring(tenantEnd + 1, idEnd), new Secret(previous), new Secret(next))
                .map(Optional::of);
    }

    /**
     * {@code <tenant>/<credential>/<digest>}: names the credential (see {@link #refreshTokenRotated}) and changes
     * whenever the grant does (a rotated refresh token, another client), so a cached token is not reused.
     */
    private static String cacheKey(ResolvedCredential.OAuth2 oauth2) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(oauth2.tenantId(), oauth2.id(), oauth2.clientId(), oauth2.tokenUrl().toString(),
                    oauth2.refreshToken().reveal(), oauth2.clientSecret().reveal(), String.join(" ", oauth2.scopes()))) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return oauth2.tenantId() + "/" + oauth2.id() + "/" + HexFormat.of().formatHex(digest.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Uni<Map<String, ResolvedCredential>> resolveAll(String tenantId, Set<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        List<Uni<Optional<ResolvedCredential>>> lookups = ids.stream().map(id -> credentials.resolve(tenantId, id)
                .onFailure(SecretUnreadableException.class).recoverWithItem(e -> {
                    LOG.errorf("credential %s of tenant %s not injected: %s", id, tenantId, e.getMessage());
                    return Optional.empty();
                })).toList();
        return Uni.join().all(lookups).andFailFast().map(found -> {
            Map<String, ResolvedCredential> byId = new LinkedHashMap<>();
            found.forEach(credential -> credential.ifPresent(c -> byId.put(c.id(), c)));
            return byId;
        });
    }
}
