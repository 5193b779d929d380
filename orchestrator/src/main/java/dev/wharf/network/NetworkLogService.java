package dev.wharf.network;

import dev.wharf.api.PageToken;
import dev.wharf.environment.EnvironmentService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The network log: what the egress proxy reports, stored per environment (it goes when the environment goes),
 * counted by tenant and decision in metrics, and read back newest first by the environment's owner.
 */
@ApplicationScoped
public class NetworkLogService {
    private static final Logger LOG = Logger.getLogger(NetworkLogService.class);
    /** Entries one report may carry; the proxy sends far fewer. */
    static final int MAX_BATCH = 5000;

    private final NetworkLogRepository repository;
    private final EnvironmentService environments;
    private final MeterRegistry registry;

    public NetworkLogService(NetworkLogRepository repository, EnvironmentService environments,
                             MeterRegistry registry) {
        this.repository = repository;
        this.environments = environments;
        this.registry = registry;
    }

    /** Stores the proxy's report {@code {"entries": [...]}}; answers how many entries were kept. */
    public Uni<Integer> record(JsonObject report) {
        JsonArray entries = report.getJsonArray("entries", new JsonArray());
        List<JsonObject> objects = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < Math.min(entries.size(), MAX_BATCH); i++) {
            if (entries.getValue(i) instanceof JsonObject entry) {
                objects.add(entry);
                String env = entry.getString("environment_id");
                if (env != null) {
                    ids.add(env);
                }
            }
        }
        // Requests from addresses no sandbox holds are counted, not stored: there is no environment to keep them.
        objects.stream().filter(entry -> entry.getString("environment_id") == null)
                .forEach(entry -> count("", entry.getString("decision", "denied")));
        if (ids.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return repository.tenantsOf(ids).chain(tenants -> {
            List<NetworkLogEntry> kept = new ArrayList<>();
            for (JsonObject entry : objects) {
                String env = entry.getString("environment_id");
                String tenant = env == null ? null : tenants.get(env);
                if (tenant == null) {
                    continue;
                }
                NetworkLogEntry parsed = NetworkLogEntry.fromProxy(entry, env, tenant);
                if (parsed == null) {
                    LOG.debugf("egress log entry of %s not understood; dropped", env);
                    continue;
                }
                count(tenant, parsed.decision());
                kept.add(parsed);
            }
            return repository.insert(kept);
        });
    }

    private void count(String tenant, String decision) {
        Counter.builder("wharf_egress_requests_total")
                .description("Requests sandboxes made through the egress proxy, by tenant and decision")
                .tag("tenant", tenant).tag("decision", NetworkLogEntry.DECISIONS.contains(decision) ? decision : "denied")
                .register(registry).increment();
    }

    /** A page of the environment's log, newest first; another tenant's environment is a 404. */
    public Uni<JsonObject> page(String tenantId, String environmentId, String pageSize, String pageToken) {
        int size = PageToken.parsePageSize(pageSize);
        PageToken after = pageToken == null || pageToken.isBlank() ? null : PageToken.decode(pageToken);
        Long afterId;
        try {
            afterId = after == null ? null : Long.valueOf(after.id());
        } catch (NumberFormatException e) {
            throw dev.wharf.api.ApiException.invalidArgument("page_token is not a token this server issued");
        }
        return environments.get(tenantId, environmentId)
                .chain(env -> repository.page(env.id, after == null ? null : after.created(), afterId, size + 1))
                .map(rows -> {
                    List<NetworkLogEntry> page = rows.size() > size ? rows.subList(0, size) : rows;
                    JsonArray list = new JsonArray();
                    page.forEach(entry -> list.add(entry.toJson()));
                    JsonObject answer = new JsonObject().put("entries", list);
                    if (rows.size() > size) {
                        NetworkLogEntry last = page.get(size - 1);
                        answer.put("next_page_token", new PageToken(last.time(), Long.toString(last.id())).encode());
                    }
                    return answer;
                });
    }
}
