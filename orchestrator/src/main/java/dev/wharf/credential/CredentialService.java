package dev.wharf.credential;

import dev.wharf.api.ApiException;
import dev.wharf.api.PageToken;
import dev.wharf.api.ResourceIds;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Credentials: a tenant's secrets for its sandboxes' outbound requests. The API writes them and shows only their
 * id, type, status and times; secrets are sealed (see {@link SecretsKey}) before they reach the repository, and
 * opened in one place only, {@link #resolve}, for the egress proxy. Another tenant's credential answers exactly like
 * a missing one.
 */
@ApplicationScoped
public class CredentialService {
    private static final Logger LOG = Logger.getLogger(CredentialService.class);
    private static final String KIND = "credential";
    private static final String CONTEXT = "wharf.credential";

    private final CredentialRepository repository;
    private final SecretsKey key;
    private final CredentialInput input;
    private final Clock clock;

    public CredentialService(CredentialRepository repository, SecretsKey key, SecretsConfig config, Clock clock) {
        this.repository = repository;
        this.key = key;
        this.input = new CredentialInput(config.maxSize().asLongValue());
        this.clock = clock;
    }

    /** Creates an active credential; every field is checked before anything is written. */
    public Uni<Credential> create(String tenantId, JsonObject body) {
        CredentialInput.NewCredential created = input.create(body);
        // Stored times have microseconds: the create answer shows what a later read will.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Credential credential = new Credential(tenantId, created.id(), created.type(), CredentialStatus.ACTIVE,
                created.settings(), seal(tenantId, created.id(), created.secrets()), now, now);
        return repository.insert(credential).chain(inserted -> inserted ? Uni.createFrom().item(credential)
                // Not 409: the SDKs retry 409, and a taken id stays taken.
                : Uni.createFrom().failure(ApiException.failedPrecondition(KIND + " " + created.id()
                        + " already exists; choose another id, or delete it first")));
    }

    public Uni<Credential> get(String tenantId, String id) {
        if (!ResourceIds.isChosenId(id)) {
            return Uni.createFrom().failure(ResourceIds.unknownChosen(KIND, id));
        }
        return repository.find(tenantId, id).map(found -> found.orElseThrow(() -> notFound(id)));
    }

    /** Newest first; {@code size + 1} rows are read to know whether another page follows. */
    public Uni<List<Credential>> list(String tenantId, int size, String pageToken) {
        PageToken after = pageToken == null || pageToken.isBlank() ? null : PageToken.decode(pageToken);
        return repository.page(tenantId, after == null ? null : after.created(), after == null ? null : after.id(),
                size + 1);
    }

    /**
     * Changes the fields {@code updateMask} names (or, without one, those in the body). A revoked credential is
     * final: revoking it again changes nothing, anything else is refused (see {@link CredentialStatus}).
     */
    public Uni<Credential> update(String tenantId, String id, String updateMask, JsonObject body) {
        CredentialInput.UpdateRequest request = input.update(updateMask, body);
        return get(tenantId, id).chain(current -> {
            CredentialInput.Patch patch = input.patch(request, current);
            if (current.status() == CredentialStatus.REVOKED) {
                return whenRevoked(current, patch);
            }
            Map<String, byte[]> sealed = seal(tenantId, id, patch.secrets());
            return repository.update(tenantId, id, current.type(), patch, sealed,
                            clock.instant().truncatedTo(ChronoUnit.MICROS))
                    .chain(updated -> updated.isPresent() ? Uni.createFrom().item(updated.get())
                            // Nothing matched the conditions: say which no longer held.
                            : repository.find(tenantId, id).chain(now -> now.isEmpty()
                                    ? Uni.createFrom().failure(notFound(id))
                                    : now.get().status() == CredentialStatus.REVOKED ? whenRevoked(now.get(), patch)
                                    : Uni.createFrom().failure(ApiException.failedPrecondition(KIND + " " + id
                                            + " was changed by another update meanwhile, and this one no longer fits"
                                            + " it; read it and try again"))));
        });
    }

    /** An update of a revoked credential: revoking again changes nothing; anything else is refused. */
    private static Uni<Credential> whenRevoked(Credential current, CredentialInput.Patch patch) {
        if (patch.status() != null && !current.status().canBecome(patch.status())) {
            return Uni.createFrom().failure(ApiException.failedPrecondition(KIND + " " + current.id() + " is revoked,"
                    + " and revocation is final: create a new credential, or delete this one and create it again"
                    + " with the same id"));
        }
        if (patch.onlySetsStatus(CredentialStatus.REVOKED)) {
            return Uni.createFrom().item(current);
        }
        return Uni.createFrom().failure(ApiException.failedPrecondition(KIND + " " + current.id()
                + " is revoked and can no longer be changed"));
    }

    public Uni<Void> delete(String tenantId, String id) {
        if (!ResourceIds.isChosenId(id)) {
            return Uni.createFrom().failure(ResourceIds.unknownChosen(KIND, id));
        }
        return repository.delete(tenantId, id).chain(deleted -> deleted ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(notFound(id)));
    }

    /** Deletes every credential of a tenant being deleted; answers how many. */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return repository.deleteAllOf(tenantId);
    }

    /**
     * The tenant's credential with its secrets opened, for injection into an outbound request: empty when there is
     * no such credential or it is revoked. A secret that does not open (the control plane was given another key, or
     * the row was altered or copied from elsewhere) fails with {@link SecretUnreadableException}, logged as an error:
     * never a guess, never a value.
     */
    public Uni<Optional<ResolvedCredential>> resolve(String tenantId, String id) {
        if (!ResourceIds.isChosenId(id)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return repository.find(tenantId, id).map(found -> found
                .filter(credential -> credential.status() == CredentialStatus.ACTIVE)
                .map(this::open));
    }

    /** What became of a refresh token the egress proxy reported rotated. */
    public enum Rotation {
        /** Stored: later grants use the new token. */
        STORED,
        /** Not stored: the credential is gone, revoked, no oauth2 one, or holds another token than the one replaced. */
        STALE
    }

    /**
     * Stores the refresh token an authorization server issued in exchange for {@code previous} (refresh-token
     * rotation: the previous one may no longer work, and reusing it can get the whole grant revoked). Only while the
     * credential still holds {@code previous}, and only if nothing changed it since it was read: a user's update, or
     * an earlier rotation, wins. The update time moves, so the proxy's next policy answer carries the new token.
     */
    public Uni<Rotation> rotateRefreshToken(String tenantId, String id, Secret previous, Secret next) {
        if (!ResourceIds.isChosenId(id) || next.reveal().isEmpty()
                || next.reveal().getBytes(StandardCharsets.UTF_8).length > input.maxSecretBytes()) {
            return Uni.createFrom().item(Rotation.STALE);
        }
        return repository.find(tenantId, id).chain(found -> {
            if (found.isEmpty() || found.get().type() != CredentialType.OAUTH2
                    || found.get().status() != CredentialStatus.ACTIVE) {
                return Uni.createFrom().item(Rotation.STALE);
            }
            Credential current = found.get();
            if (!MessageDigest.isEqual(secret(current, "refresh_token").reveal().getBytes(
                    StandardCharsets.UTF_8), previous.reveal().getBytes(
                    StandardCharsets.UTF_8))) {
                return Uni.createFrom().item(Rotation.STALE);
            }
            byte[] sealed = key.seal(next.reveal(), context(tenantId, id, "refresh_token"));
            return repository.replaceRefreshToken(tenantId, id, sealed, current.updated(),
                            clock.instant().truncatedTo(ChronoUnit.MICROS))
                    .map(replaced -> replaced ? Rotation.STORED : Rotation.STALE);
        });
    }

    /**
     * Whether the configured key opens what is stored: the problem with the most recently written credential, if its
     * secrets do not open. A control plane started with another key (a new home directory that generated a fresh key
     * file, a mistyped WHARF_SECRETS_KEY) says so at start, not at the first request that needs a credential.
     */
    public Uni<Optional<String>> keyProblem() {
        return repository.latest().map(latest -> latest.flatMap(credential -> {
            try {
                for (String field : credential.type().secretFields()) {
                    key.open(credential.sealed().get(field), context(credential.tenantId(), credential.id(), field));
                }
                return Optional.empty();
            } catch (SecretUnreadableException e) {
                return Optional.of("the " + KIND + " " + credential.id() + " of tenant " + credential.tenantId()
                        + " does not decrypt with the configured secrets key: " + e.getMessage());
            }
        }));
    }

    // ---- sealing ------------------------------------------------------------------------------------------------

    private Map<String, byte[]> seal(String tenantId, String id, Map<String, Secret> secrets) {
        Map<String, byte[]> sealed = new LinkedHashMap<>();
        secrets.forEach((field, secret) -> sealed.put(field, key.seal(secret.reveal(), context(tenantId, id, field))));
        return sealed;
    }

    private ResolvedCredential open(Credential c) {
        JsonObject settings = c.settings();
        return switch (c.type()) {
            case ENVIRONMENT_VARIABLE -> new ResolvedCredential.EnvironmentVariable(c.tenantId(), c.id(),
                    secret(c, "value"), locations(settings), Optional.ofNullable(strings(settings, "trusted_domains")));
            case BEARER_TOKEN -> new ResolvedCredential.BearerToken(c.tenantId(), c.id(), secret(c, "token"),
                    settings.getString("header_name"), settings.getString("prefix"));
            case OAUTH2 -> new ResolvedCredential.OAuth2(c.tenantId(), c.id(), settings.getString("client_id"),
                    secret(c, "client_secret"), secret(c, "refresh_token"), URI.create(settings.getString("token_url")),
                    Optional.ofNullable(strings(settings, "scopes")).orElse(List.of()));
        };
    }

    private Secret secret(Credential c, String field) {
        try {
            return new Secret(key.open(c.sealed().get(field), context(c.tenantId(), c.id(), field)));
        } catch (SecretUnreadableException e) {
            String message = "the " + field + " of credential " + c.id() + " of tenant " + c.tenantId()
                    + " cannot be decrypted: " + e.getMessage();
            LOG.error(message);
            throw new SecretUnreadableException(message);
        }
    }

    /** Where a sealed value belongs: it opens only for this tenant, this credential and this field. */
    private static byte[] context(String tenantId, String id, String field) {
        return SealedSecret.context(CONTEXT, tenantId, id, field);
    }

    private static Set<InjectionLocation> locations(JsonObject settings) {
        Set<InjectionLocation> locations = EnumSet.noneOf(InjectionLocation.class);
        for (String wire : CredentialInput.locations(settings)) {
            locations.add(InjectionLocation.fromWire(wire).orElseThrow());
        }
        return locations;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(JsonObject settings, String field) {
        JsonArray values = settings.getJsonArray(field);
        return values == null ? null : List.copyOf((List<String>) (List<?>) values.getList());
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound(KIND + " " + id + " not found");
    }
}
