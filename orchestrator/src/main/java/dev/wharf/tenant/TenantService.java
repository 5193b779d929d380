package dev.wharf.tenant;

import dev.wharf.api.ApiException;
import dev.wharf.api.RequestText;
import dev.wharf.api.ResourceIds;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/** Tenants, their limits and their API keys, as the admin API manages them. */
@ApplicationScoped
public class TenantService {
    private static final Pattern TENANT_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final int MAX_NAME_CHARS = 200;
    private static final String KEY_PREFIX = "key";

    private final TenantRepository repository;
    private final Clock clock;

    public TenantService(TenantRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /** A key just made: the key itself appears here and nowhere else, ever. */
    public record CreatedKey(ApiKey key, String secret) {
        public JsonObject toJson() {
            return key.toJson().put("key", secret);
        }
    }

    public Uni<Tenant> create(JsonObject body) {
        JsonObject request = body == null ? new JsonObject() : body;
        String id = request.getValue("id") == null ? ResourceIds.newId("ten") : text(request, "id");
        if (!TENANT_ID.matcher(id).matches()) {
            throw ApiException.invalidArgument(
                    "id must be lowercase letters, digits, '_' or '-', at most 63 characters");
        }
        String name = request.getValue("name") == null ? id : name(request);
        TenantLimits limits = TenantLimits.NONE.merge(limitsOf(request));
        return repository.insert(id, name, limits, clock.instant()).chain(inserted -> inserted
                ? get(id)
                : Uni.createFrom().failure(ApiException.failedPrecondition("tenant " + id
                        + " already exists, or existed: a deleted tenant's id is never reused, since its usage"
                        + " records are kept until retention purges them")));
    }

    public Uni<Tenant> get(String id) {
        if (id == null || !TENANT_ID.matcher(id).matches()) {
            return Uni.createFrom().failure(ApiException.notFound("tenant " + ResourceIds.shown(id)
                    + " not found: tenant ids are lowercase letters, digits, '_' or '-', at most 63 characters"));
        }
        return repository.find(id).map(found -> found.orElseThrow(
                () -> ApiException.notFound("tenant " + id + " not found")));
    }

    public Uni<List<Tenant>> list() {
        return repository.list();
    }

    /** Renames and/or changes limits; limits not named keep their values, null ones return to the default. */
    public Uni<Tenant> update(String id, JsonObject body) {
        JsonObject request = body == null ? new JsonObject() : body;
        for (String field : request.fieldNames()) {
            if (!field.equals("name") && !field.equals("limits")) {
                throw ApiException.invalidArgument(field + " cannot be changed (name and limits can)");
            }
        }
        return get(id).chain(tenant -> {
            String name = request.getValue("name") == null ? tenant.name() : name(request);
            TenantLimits limits = tenant.limits().merge(limitsOf(request));
            return repository.update(id, name, limits, clock.instant()).chain(() -> get(id));
        });
    }

    public Uni<CreatedKey> createKey(String tenantId, JsonObject body) {
        String name = body == null || body.getValue("name") == null ? null : name(body);
        return get(tenantId).chain(tenant -> issue(tenantId, name, ApiKeySecrets.newKey()));
    }

    /** Registers {@code secret} as a key of the tenant (generated, or supplied by a deployment). */
    Uni<CreatedKey> issue(String tenantId, String name, String secret) {
        Instant now = clock.instant();
        ApiKey key = new ApiKey(ResourceIds.newId(KEY_PREFIX), tenantId, name, ApiKeySecrets.prefixOf(secret), now, null, null);
        return repository.insertKey(key, ApiKeySecrets.hash(secret)).map(done -> new CreatedKey(key, secret));
    }

    public Uni<List<ApiKey>> keys(String tenantId) {
        return get(tenantId).chain(tenant -> repository.keys(tenantId));
    }

    /** Revokes a key at once: the next request with it is refused. Revoking twice is harmless. */
    public Uni<ApiKey> revokeKey(String tenantId, String keyId) {
        if (!ResourceIds.isWellFormed(KEY_PREFIX, keyId)) {
            return Uni.createFrom().failure(ResourceIds.unknown("API key", KEY_PREFIX, keyId));
        }
        return get(tenantId).chain(tenant -> repository.revokeKey(tenantId, keyId, clock.instant())
                .chain(() -> repository.key(tenantId, keyId))
                .map(found -> found.orElseThrow(
                        () -> ApiException.notFound("API key " + keyId + " of tenant " + tenantId + " not found"))));
    }

    /**
     * The first, committed step of deleting a tenant: it leaves {@code active} and its keys are revoked, at once and
     * together. Answers true when there is clean-up to do (the tenant is now, or still, {@code deleting}); an unknown
     * or already deleted tenant is a 404, and the default tenant cannot be deleted (400).
     */
    public Uni<Boolean> beginDeletion(String id) {
        if (Tenant.DEFAULT_ID.equals(id)) {
            return Uni.createFrom().failure(ApiException.failedPrecondition("the default tenant cannot be deleted: it"
                    + " owns the work from before tenants existed and receives the bootstrap key (WHARF_API_KEY) on"
                    + " every start; revoke its keys instead"));
        }
        if (id == null || !TENANT_ID.matcher(id).matches()) {
            return get(id).replaceWith(false);
        }
        return repository.beginDeletion(id, clock.instant()).map(state -> {
            if (state.isEmpty() || state.get() == TenantState.DELETED) {
                throw ApiException.notFound("tenant " + id + " not found");
            }
            return true;
        });
    }

    /** The last step of deleting a tenant, once nothing it owned is left: {@code deleting} to {@code deleted}. */
    public Uni<Boolean> finishDeletion(String id) {
        return repository.finishDeletion(id, clock.instant());
    }

    private static JsonObject limitsOf(JsonObject request) {
        Object limits = request.getValue("limits");
        if (limits == null) {
            return new JsonObject();
        }
        if (!(limits instanceof JsonObject object)) {
            throw ApiException.invalidArgument("limits must be an object");
        }
        return object;
    }

    private static String name(JsonObject request) {
        String name = RequestText.requireName("name", text(request, "name")).strip();
        if (name.isEmpty() || name.length() > MAX_NAME_CHARS) {
            throw ApiException.invalidArgument("name must be 1 to " + MAX_NAME_CHARS + " characters");
        }
        return name;
    }

    private static String text(JsonObject request, String field) {
        if (!(request.getValue(field) instanceof String text)) {
            throw ApiException.invalidArgument(field + " must be a string");
        }
        return text;
    }
}
