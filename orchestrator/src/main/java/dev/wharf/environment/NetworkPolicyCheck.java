package dev.wharf.environment;

import dev.wharf.api.ApiException;
import dev.wharf.credential.Credential;
import dev.wharf.credential.CredentialService;
import dev.wharf.credential.CredentialStatus;
import dev.wharf.credential.CredentialType;
import dev.wharf.egress.DomainPattern;
import dev.wharf.egress.EgressConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks on a network policy and env that need the store: whether the tenant may allow any host ({@code *}),
 * and whether every credential named is the tenant's own, active, and of a type that fits where it is named. Run
 * before anything is written, so a refused request leaves nothing behind.
 */
@ApplicationScoped
public class NetworkPolicyCheck {
    private final Pool pool;
    private final EgressConfig egress;
    private final CredentialService credentials;

    public NetworkPolicyCheck(Pool pool, EgressConfig egress, CredentialService credentials) {
        this.pool = pool;
        this.egress = egress;
        this.credentials = credentials;
    }

    /** Whether {@code *} may appear in the tenant's allowlists: its egress_allow_any_host, else the platform's. */
    public Uni<DomainPattern.Any> anyHost(String tenantId) {
        return pool.preparedQuery("SELECT egress_allow_any_host FROM tenant WHERE id = $1")
                .execute(Tuple.of(tenantId))
                .map(rows -> {
                    Boolean tenant = null;
                    for (Row row : rows) {
                        tenant = row.getBoolean("egress_allow_any_host");
                    }
                    boolean allowed = tenant != null ? tenant : egress.allowAnyHost();
                    return allowed ? DomainPattern.Any.ALLOWED : DomainPattern.Any.REFUSED;
                });
    }

    /**
     * Refuses, with a 400 naming the field, a {@code *} the tenant may not use and any credential that is missing,
     * another tenant's, revoked, or (in {@code env}) not an environment_variable credential.
     */
    Uni<Void> check(String tenantId, NetworkPolicy policy, Map<String, String> envCredentials, String networkField,
                    String envField) {
        Uni<Void> anyHost = policy.allowsAnyHost() ? anyHost(tenantId).invoke(any -> {
            if (any == DomainPattern.Any.REFUSED) {
                int at = indexOfAny(policy);
                throw ApiException.invalidArgument(networkField + ".allowlist[" + at + "].domain cannot be *: this"
                        + " tenant may not allow every host; list the domains it needs");
            }
        }).replaceWithVoid() : Uni.createFrom().voidItem();
        List<Uni<Void>> checks = new ArrayList<>();
        checks.add(anyHost);
        for (int i = 0; i < (policy.disabled() ? 0 : policy.allowlist().size()); i++) {
            NetworkPolicy.Entry entry = policy.allowlist().get(i);
            if (entry.credential() != null) {
                checks.add(usable(tenantId, entry.credential(), networkField + ".allowlist[" + i + "].credential",
                        null));
            }
        }
        envCredentials.forEach((name, id) -> checks.add(usable(tenantId, id, envField + "." + name + ".credential",
                CredentialType.ENVIRONMENT_VARIABLE)));
        return Uni.join().all(checks).andFailFast().replaceWithVoid();
    }

    private Uni<Void> usable(String tenantId, String id, String field, CredentialType required) {
        return credentials.get(tenantId, id)
                .onFailure(ApiException.class).transform(e -> ApiException.invalidArgument(field + ": there is no"
                        + " credential " + id + " (create it with POST /v1/credentials first)"))
                .invoke(credential -> refuseUnfit(credential, field, required))
                .replaceWithVoid();
    }

    private static void refuseUnfit(Credential credential, String field, CredentialType required) {
        if (credential.status() != CredentialStatus.ACTIVE) {
            throw ApiException.invalidArgument(field + ": credential " + credential.id() + " is revoked");
        }
        if (required != null && credential.type() != required) {
            throw ApiException.invalidArgument(field + ": credential " + credential.id() + " is a "
                    + credential.type().wire() + " credential; a variable can stand only for an " + required.wire()
                    + " credential (name the others on an allowlist entry's credential)");
        }
    }

    private static int indexOfAny(NetworkPolicy policy) {
        for (int i = 0; i < policy.allowlist().size(); i++) {
            if (policy.allowlist().get(i).domain().isAny()) {
                return i;
            }
        }
        return 0;
    }
}
