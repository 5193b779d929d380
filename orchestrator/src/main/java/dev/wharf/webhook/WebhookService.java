package dev.wharf.webhook;

import dev.wharf.api.ApiException;
import dev.wharf.api.PageToken;
import dev.wharf.api.ResourceIds;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Webhook subscriptions: validation and the rules of their lifecycle (enabled, disabled). */
@ApplicationScoped
public class WebhookService {
    /** The type prefix of webhook ids. */
    static final String ID_PREFIX = "whk";
    private final WebhookRepository repository;
    private final Clock clock;

    public WebhookService(WebhookRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /** Creates an enabled webhook; the answer is the only place its secret is ever shown. */
    public Uni<Webhook> create(String tenantId, JsonObject body) {
        if (body == null) {
            throw ApiException.invalidArgument("a JSON body is required");
        }
        String uri = validUri(body.getValue("uri"));
        JsonArray events = validEvents(body.getValue("subscribed_events"));
        Object secretValue = body.getValue("secret");
        if (secretValue != null && !(secretValue instanceof String s && validSecret(s))) {
            throw ApiException.invalidArgument("secret must be whsec_ followed by base64 of at least 24 bytes");
        }
        String secret = secretValue == null ? WebhookSignature.newSecret() : (String) secretValue;
        Instant now = clock.instant();
        Webhook webhook = new Webhook(ResourceIds.newId(ID_PREFIX), tenantId, uri, events, Webhook.ENABLED, secret, 0, now, now);
        return repository.insert(webhook).replaceWith(webhook);
    }

    public Uni<Webhook> get(String tenantId, String id) {
        if (!ResourceIds.isWellFormed(ID_PREFIX, id)) {
            return Uni.createFrom().failure(ResourceIds.unknown("webhook", ID_PREFIX, id));
        }
        return repository.find(tenantId, id).map(found -> found.orElseThrow(() -> notFound(id)));
    }

    /** Newest first; {@code size + 1} rows are read to know whether another page follows. */
    public Uni<List<Webhook>> list(String tenantId, int size, String pageToken) {
        PageToken after = pageToken == null || pageToken.isBlank() ? null : PageToken.decode(pageToken);
        return repository.page(tenantId, after == null ? null : after.created(), after == null ? null : after.id(), size + 1);
    }

    public Uni<Webhook> update(String tenantId, String id, JsonObject body) {
        if (body == null) {
            throw ApiException.invalidArgument("a JSON body is required");
        }
        String uri = body.containsKey("uri") ? validUri(body.getValue("uri")) : null;
        JsonArray events = body.containsKey("subscribed_events") ? validEvents(body.getValue("subscribed_events")) : null;
        String state = null;
        if (body.containsKey("state")) {
            Object value = body.getValue("state");
            if (!Webhook.ENABLED.equals(value) && !Webhook.DISABLED.equals(value)) {
                throw ApiException.invalidArgument("state must be \"enabled\" or \"disabled\"");
            }
            state = (String) value;
        }
        if (!ResourceIds.isWellFormed(ID_PREFIX, id)) {
            return Uni.createFrom().failure(ResourceIds.unknown("webhook", ID_PREFIX, id));
        }
        return repository.update(tenantId, id, uri, events, state, clock.instant())
                .map(found -> found.orElseThrow(() -> notFound(id)));
    }

    /** Deletes every webhook of a tenant being deleted, with all its pending and past deliveries. */
    public Uni<Integer> deleteAllOf(String tenantId) {
        return repository.deleteAllOf(tenantId);
    }

    public Uni<Void> delete(String tenantId, String id) {
        if (!ResourceIds.isWellFormed(ID_PREFIX, id)) {
            return Uni.createFrom().failure(ResourceIds.unknown("webhook", ID_PREFIX, id));
        }
        return repository.delete(tenantId, id).chain(deleted -> deleted ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(notFound(id)));
    }

    /** The webhook's delivery attempts, newest first; 404 for an unknown webhook. */
    public Uni<List<WebhookDelivery>> deliveries(String tenantId, String id, int limit) {
        return get(tenantId, id).chain(webhook -> repository.deliveriesOf(id, limit));
    }

    /** An absolute http(s) URI with a host. */
    static String validUri(Object value) {
        if (!(value instanceof String text) || text.isBlank()) {
            throw ApiException.invalidArgument("uri is required: an absolute http or https URI");
        }
        // The URI is shown in listings and logs: no control or bidi characters, even where URI syntax allows them.
        dev.wharf.api.RequestText.requireName("uri", text);
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw ApiException.invalidArgument("uri must be an absolute http or https URI: " + text);
            }
            return text;
        } catch (URISyntaxException e) {
            throw ApiException.invalidArgument("uri must be an absolute http or https URI: " + text);
        }
    }

    private static JsonArray validEvents(Object value) {
        if (!(value instanceof JsonArray array) || array.isEmpty()) {
            throw ApiException.invalidArgument("subscribed_events is required: a non-empty list of "
                    + String.join(", ", WebhookEventType.wireNames()));
        }
        Set<String> events = new LinkedHashSet<>();
        for (Object event : array) {
            if (!(event instanceof String name) || WebhookEventType.fromWire(name).isEmpty()) {
                throw ApiException.invalidArgument("unknown event " + event + " in subscribed_events; known: "
                        + String.join(", ", WebhookEventType.wireNames()));
            }
            events.add(name);
        }
        return new JsonArray(List.copyOf(events));
    }

    private static boolean validSecret(String secret) {
        if (!secret.startsWith(WebhookSignature.PREFIX)) {
            return false;
        }
        try {
            return java.util.Base64.getDecoder().decode(secret.substring(WebhookSignature.PREFIX.length())).length >= 24;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("webhook " + id + " not found");
    }
}
