package dev.wharf.environment;

import dev.wharf.api.ApiException;
import dev.wharf.api.PageToken;
import dev.wharf.api.ResourceIds;
import dev.wharf.capacity.SandboxCapacity;
import dev.wharf.egress.DomainPattern;
import dev.wharf.egress.EgressProxy;
import dev.wharf.platform.BlockingCalls;
import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.SandboxDaemonClient;
import dev.wharf.sandbox.SandboxException;
import dev.wharf.sandbox.SandboxFailure;
import dev.wharf.sandbox.SandboxHandle;
import dev.wharf.sandbox.SandboxMetrics;
import dev.wharf.sandbox.SandboxProvider;
import dev.wharf.sandbox.SandboxSpec;
import dev.wharf.sandbox.SandboxUnreachableException;
import io.micrometer.core.instrument.Timer;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.streams.ReadStream;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Environment lifecycle and use. Slow work (Docker) never runs inside a transaction: a row is claimed by a
 * conditional update and committed, the sandbox is started or removed, and the outcome is written by a second
 * conditional update that loses gracefully if someone else moved the row meanwhile.
 */
@ApplicationScoped
public class EnvironmentService {
    private static final Logger LOG = Logger.getLogger(EnvironmentService.class);
    private static final int TOKEN_CHARS = 32;
    /** What a variable standing for a credential holds in the sandbox: this, then random letters and digits. */
    static final String PLACEHOLDER_PREFIX = "wharf-placeholder-";
    private static final int PLACEHOLDER_CHARS = 32;
    static final String CREDENTIAL = "credential";
    static final String PLACEHOLDER = "placeholder";
    /** The type prefix of environment ids. */
    static final String ID_PREFIX = "env";

    private final EnvironmentRepository repository;
    private final SandboxProvider provider;
    private final SandboxDaemonClient daemon;
    private final BlockingCalls blocking;
    private final EnvironmentConfig config;
    private final SandboxConfig sandboxConfig;
    private final SandboxMetrics metrics;
    private final EnvironmentLifetimes lifetimes;
    private final Clock clock;
    private final SandboxCapacity capacity;
    private final WorkspaceQuota quota;
    private final NetworkPolicyCheck policyCheck;
    private final EgressProxy egress;

    public EnvironmentService(EnvironmentRepository repository, SandboxProvider provider, SandboxDaemonClient daemon,
                              BlockingCalls blocking, EnvironmentConfig config, SandboxConfig sandboxConfig,
                              SandboxMetrics metrics, EnvironmentLifetimes lifetimes, Clock clock,
                              SandboxCapacity capacity, WorkspaceQuota quota, NetworkPolicyCheck policyCheck,
                              EgressProxy egress) {
        this.repository = repository;
        this.provider = provider;
        this.daemon = daemon;
        this.blocking = blocking;
        this.config = config;
        this.sandboxConfig = sandboxConfig;
        this.metrics = metrics;
        this.lifetimes = lifetimes;
        this.clock = clock;
        this.capacity = capacity;
        this.quota = quota;
        this.policyCheck = policyCheck;
        this.egress = egress;
    }

    /** An environment for an agent interaction: its sandbox counts against capacity through the interaction. */
    public Uni<Environment> create(String tenantId, CreateEnvironmentRequest request) {
        return create(tenantId, request, false);
    }

    /** An environment asked for on its own: it holds a sandbox slot while it runs, or is refused with 429. */
    public Uni<Environment> createStandalone(String tenantId, CreateEnvironmentRequest request) {
        return create(tenantId, request, true);
    }

    private Uni<Environment> create(String tenantId, CreateEnvironmentRequest request, boolean standalone) {
        CreateEnvironmentRequest body = request == null ? new CreateEnvironmentRequest(null, null, null) : request;
        EnvironmentRequests.EnvSpec envSpec = EnvironmentRequests.env(body.env(), "env");
        // "*" is checked against the tenant's permission below, with the credentials, before anything is written.
        NetworkPolicy network = NetworkPolicy.parse(body.network(), "network", DomainPattern.Any.ALLOWED);
        List<EnvironmentRequests.DecodedSource> sources = EnvironmentRequests.sources(body.sources());
        Instant now = clock.instant();
        Environment env = new Environment();
        env.id = ResourceIds.newId(ID_PREFIX);
        env.tenantId = tenantId;
        env.status = EnvironmentStatus.PROVISIONING;
        env.createdAt = now;
        env.updatedAt = now;
        env.lastAccessedAt = now;
        env.sandboxToken = ResourceIds.randomToken(TOKEN_CHARS);
        env.volumeName = "wharf-ws-" + env.id;
        env.network = network.stored();
        env.envVars = new HashMap<>(envSpec.values());
        env.credentialEnv = new HashMap<>();
        envSpec.credentials().forEach((name, credential) -> {
            String placeholder = PLACEHOLDER_PREFIX + ResourceIds.randomToken(PLACEHOLDER_CHARS);
            env.envVars.put(name, placeholder);
            env.credentialEnv.put(name, Map.of(CREDENTIAL, credential, PLACEHOLDER, placeholder));
        });
        env.standalone = standalone;
        return policyCheck.check(tenantId, network, envSpec.credentials(), "network", "env")
                .chain(() -> quota.limitFor(tenantId)).invoke(limit -> env.workspaceLimitBytes = limit)
                .chain(limit -> Panache.withTransaction(() -> repository.persist(env)
                        .call(() -> standalone ? capacity.admitStandalone(env.id) : Uni.createFrom().voidItem())))
                .chain(saved -> provision(env, sources));
    }

    /**
     * Checks an interaction's inline environment ({@code env}, {@code network}, {@code sources}) as a create would,
     * without creating anything: a background interaction must be refused at its create, not fail later.
     */
    public Uni<Void> validate(String tenantId, CreateEnvironmentRequest request, String field) {
        EnvironmentRequests.EnvSpec envSpec = EnvironmentRequests.env(request.env(), field + ".env");
        NetworkPolicy network = NetworkPolicy.parse(request.network(), field + ".network", DomainPattern.Any.ALLOWED);
        EnvironmentRequests.sources(request.sources());
        return policyCheck.check(tenantId, network, envSpec.credentials(), field + ".network", field + ".env");
    }

    /**
     * Replaces an environment's network policy ({@code PATCH}, a Wharf extension; {@code update_mask} may name only
     * {@code network}). The proxy reads the policy on every request, so it applies to the sandbox's next request.
     */
    public Uni<Environment> updateNetwork(String tenantId, String id, String updateMask,
                                          com.fasterxml.jackson.databind.JsonNode body) {
        if (body == null || !body.isObject()) {
            return Uni.createFrom().failure(ApiException.invalidArgument("the body must be an object such as"
                    + " {\"network\": {\"allowlist\": [...]}}"));
        }
        List<String> fields = new ArrayList<>();
        if (updateMask != null && !updateMask.isBlank()) {
            for (String field : updateMask.split(",")) {
                fields.add(field.trim());
            }
        } else {
            body.fieldNames().forEachRemaining(fields::add);
        }
        for (String field : fields) {
            if (!field.equals("network")) {
                return Uni.createFrom().failure(ApiException.invalidArgument("update_mask: " + field
                        + " cannot be changed; an environment's network is the only field an update may set"));
            }
        }
        if (fields.isEmpty()) {
            return Uni.createFrom().failure(ApiException.invalidArgument("nothing to update: send {\"network\": ...}"));
        }
        NetworkPolicy network;
        try {
            network = NetworkPolicy.parse(body.get("network"), "network", DomainPattern.Any.ALLOWED);
        } catch (ApiException e) {
            return Uni.createFrom().failure(e);
        }
        return find(tenantId, id).chain(env -> policyCheck.check(tenantId, network, Map.of(), "network", "env")
                .chain(() -> Panache.withTransaction(() -> repository.updateNetwork(id, network.stored(),
                        clock.instant())))
                .chain(updated -> updated ? find(tenantId, id) : Uni.createFrom().failure(notFound(id))));
    }

    public Uni<Environment> get(String tenantId, String id) {
        return find(tenantId, id);
    }

    public Uni<EnvironmentList> list(String tenantId, String pageSize, String pageToken) {
        int size = PageToken.parsePageSize(pageSize);
        PageToken after = pageToken == null || pageToken.isBlank() ? null : PageToken.decode(pageToken);
        return Panache.withSession(() -> repository.page(tenantId, after == null ? null : after.created(),
                        after == null ? null : after.id(), size))
                .map(rows -> {
                    List<Environment> page = rows.size() > size ? rows.subList(0, size) : rows;
                    String next = rows.size() > size
                            ? new PageToken(page.get(size - 1).createdAt, page.get(size - 1).id).encode() : null;
                    return new EnvironmentList(page.stream().map(EnvironmentView::of).toList(), next);
                });
    }

    /** Deletes the sandbox, its files and the record. Idempotent for the caller: a second call is a 404. */
    public Uni<Void> delete(String tenantId, String id) {
        return find(tenantId, id).chain(env -> Panache.withTransaction(() -> repository.markDeleting(id, clock.instant()))
                .chain(claimed -> claimed ? removeEverything(env) : Uni.createFrom().failure(notFound(id))));
    }

    /** Removes container, volume and row of an environment already marked deleting; retried by the reconciler. */
    Uni<Void> removeEverything(Environment env) {
        return blocking.run(() -> {
                    if (env.containerId != null) {
                        provider.remove(env.containerId);
                    }
                    provider.removeWorkspace(env.volumeName);
                    return null;
                })
                .chain(() -> Panache.withTransaction(() -> repository.removeDeleted(env.id)))
                .onFailure().invoke(e -> LOG.warnf("deletion of %s unfinished, the reconciler retries: %s",
                        env.id, e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    public Uni<ExecResult> exec(String tenantId, String id, ExecRequest request) {
        EnvironmentRequests.ExecPlan plan = EnvironmentRequests.exec(request, config);
        return ensureRunning(tenantId, id).chain(sandbox -> {
            Timer.Sample sample = metrics.startExec();
            return daemon.exec(sandbox.address(), sandbox.token(), plan.daemonRequest(), plan.timeout())
                    .onFailure(SandboxUnreachableException.class).recoverWithUni(e -> sandboxStopped(sandbox, e))
                    .map(ExecResult::fromDaemon)
                    .invoke(result -> metrics.execFinished(sample, result.timedOut(), result.oomKilled()))
                    .call(() -> recordUse(sandbox, true));
        });
    }

    public Uni<FileList> listFiles(String tenantId, String id, String path, boolean recursive, String pageSize, String pageToken) {
        String relative = EnvironmentRequests.stripWorkspacePrefix(path);
        int size = PageToken.parsePageSize(pageSize);
        int offset = FileListCursor.decode(pageToken);
        return ensureRunning(tenantId, id).chain(sandbox -> daemon.listFiles(sandbox.address(), sandbox.token(), relative, recursive)
                .onFailure(SandboxUnreachableException.class).recoverWithUni(e -> sandboxStopped(sandbox, e))
                .call(() -> recordUse(sandbox, false))
                .map(json -> {
                    JsonArray files = json.getJsonArray("files", new JsonArray());
                    List<FileEntry> entries = new ArrayList<>();
                    for (int i = offset; i < files.size() && entries.size() < size; i++) {
                        entries.add(FileEntry.fromDaemon(files.getJsonObject(i)));
                    }
                    int next = offset + entries.size();
                    return new FileList(entries, next < files.size() ? FileListCursor.encode(next) : null);
                }));
    }

    /** Opens a file's bytes for streaming to the caller; the caller pipes and closes the response. */
    public Uni<HttpClientResponse> openFile(String tenantId, String id, String path) {
        String relative = EnvironmentRequests.stripWorkspacePrefix(path);
        return ensureRunning(tenantId, id).chain(sandbox -> daemon.openFile(sandbox.address(), sandbox.token(), relative,
                        config.transferIdleTimeout())
                .onFailure(SandboxUnreachableException.class).recoverWithUni(e -> sandboxStopped(sandbox, e))
                .call(() -> recordUse(sandbox, false)));
    }

    /** Streams an upload into the workspace; the body must be paused until this subscribes. */
    public Uni<FileEntry> writeFile(String tenantId, String id, String path, ReadStream<Buffer> body, Long contentLength) {
        String relative;
        try {
            relative = EnvironmentRequests.filePath(path, "path");
        } catch (ApiException e) {
            return Uni.createFrom().failure(e);
        }
        if (relative.isBlank()) {
            return Uni.createFrom().failure(ApiException.invalidArgument("a file path is required"));
        }
        return ensureRunning(tenantId, id).chain(sandbox -> daemon.writeFile(sandbox.address(), sandbox.token(), relative, body,
                        contentLength, config.transferIdleTimeout())
                .onFailure(SandboxUnreachableException.class).recoverWithUni(e -> sandboxStopped(sandbox, e))
                .call(() -> recordUse(sandbox, true))
                .map(FileEntry::fromDaemon));
    }

    /**
     * The sandbox of an environment, started if it is not running: an expired or failed environment is resumed
     * on its workspace volume, so its files are there again.
     */
    public Uni<RunningSandbox> ensureRunning(String tenantId, String id) {
        return find(tenantId, id).chain(env -> switch (env.status) {
            case ACTIVE -> Uni.createFrom().item(running(env));
            case EXPIRED, FAILED -> Panache.withTransaction(() -> repository.claimForResume(id, clock.instant())
                            .call(claimed -> claimed && env.standalone ? capacity.admitStandalone(id)
                                    : Uni.createFrom().voidItem()))
                    .chain(claimed -> claimed ? provision(env, List.of()).map(EnvironmentService::running)
                            : Uni.createFrom().failure(ApiException.failedPrecondition(
                                    "environment " + id + " is being resumed by another request; retry")));
            case PROVISIONING -> Uni.createFrom().failure(ApiException.failedPrecondition(
                    "environment " + id + " is starting; retry shortly"));
            case DELETING -> Uni.createFrom().failure(notFound(id));
        });
    }

    /**
     * The spec with the egress proxy's variables and trust files. The proxy's variables go first, so a caller's
     * variable of the same name (its own HTTP_PROXY) wins in its sandbox. Blocking: it may wait for the proxy's first
     * start.
     */
    private SandboxSpec withEgress(SandboxSpec spec, Map<String, String> own) {
        Optional<EgressProxy.SandboxEgress> settings = egress.sandboxEgress();
        if (settings.isEmpty()) {
            return spec;
        }
        Map<String, String> variables = new java.util.LinkedHashMap<>(settings.get().env());
        variables.putAll(own);
        return new SandboxSpec(spec.environmentId(), spec.volumeName(), spec.workspaceBytes(), spec.daemonToken(),
                Map.copyOf(variables), settings.get().mounts());
    }

    private Uni<Environment> provision(Environment env, List<EnvironmentRequests.DecodedSource> sources) {
        Timer.Sample sample = metrics.startCreate();
        // Used only when the workspace is made; an existing one keeps its size (a lowered limit applies to new ones).
        long workspaceBytes = env.workspaceLimitBytes != null ? env.workspaceLimitBytes : quota.platformLimit();
        Map<String, String> own = env.envVars == null ? Map.of() : env.envVars;
        SandboxSpec spec = new SandboxSpec(env.id, env.volumeName, workspaceBytes, env.sandboxToken, own, List.of());
        return blocking.run(() -> provider.start(withEgress(spec, own)))
                .chain(handle -> daemon.awaitReady(handle.daemonAddress(), sandboxConfig.readyTimeout())
                        .onFailure().recoverWithUni(e -> notReady(handle, e))
                        .chain(() -> writeSources(handle, env.sandboxToken, sources))
                        .chain(() -> activate(env, handle))
                        .chain(active -> refreshUsage(active.id)
                                .chain(() -> Panache.withSession(() -> repository.findById(active.id))))
                        .onFailure().call(() -> blocking.run(() -> {
                            provider.remove(handle.containerId());
                            return null;
                        })))
                .invoke(() -> metrics.createFinished(sample, "success"))
                .onFailure().call(e -> {
                    metrics.createFinished(sample, "failure");
                    return e instanceof ApiException ? Uni.createFrom().voidItem() : recordStartFailure(env, e);
                })
                .onFailure(failure -> !(failure instanceof ApiException)).transform(e -> ApiException.unavailable(
                        "the sandbox for environment " + env.id + " could not be started: " + e.getMessage()));
    }

    /** The daemon never answered: report why the container stopped, or that it hung. */
    private Uni<Void> notReady(SandboxHandle handle, Throwable cause) {
        return blocking.run(() -> provider.inspect(handle.containerId()))
                .chain(state -> {
                    SandboxFailure failure = state.filter(s -> s.running())
                            .map(s -> new SandboxFailure(SandboxFailure.Reason.START_FAILED, null,
                                    "sandbox daemon did not answer within " + sandboxConfig.readyTimeout().toSeconds()
                                            + "s"))
                            .orElseGet(() -> SandboxFailure.diagnose(state.orElse(null)));
                    return Uni.createFrom().failure(new SandboxException(failure.message(), failure, cause));
                });
    }

    private Uni<Void> writeSources(SandboxHandle handle, String token,
                                   List<EnvironmentRequests.DecodedSource> sources) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (EnvironmentRequests.DecodedSource source : sources) {
            chain = chain.chain(() -> daemon.writeFile(handle.daemonAddress(), token, source.target(),
                    Buffer.buffer(source.content())).replaceWithVoid());
        }
        return chain;
    }

    private Uni<Environment> activate(Environment env, SandboxHandle handle) {
        return lifetimes.of(env.id).chain(lifetime -> {
                    Instant now = clock.instant();
                    return Panache.withTransaction(() -> repository.markActive(env.id, handle.containerId(),
                            handle.daemonAddress(), now, lifetime.activeFrom(now).expiresAt(now)));
                })
                .chain(activated -> activated
                        ? Panache.withSession(() -> repository.findById(env.id))
                        : Uni.createFrom().failure(notFound(env.id)));
    }

    private Uni<Void> recordStartFailure(Environment env, Throwable error) {
        SandboxFailure failure = error instanceof SandboxException sandbox && sandbox.failure() != null
                ? sandbox.failure()
                : new SandboxFailure(SandboxFailure.Reason.START_FAILED, null, error.getMessage());
        metrics.sandboxFailed(failure.reason());
        Instant now = clock.instant();
        LOG.warnf("environment %s failed to start: %s", env.id, failure.message());
        return Panache.withTransaction(() -> repository.markFailed(env.id, failure, now, now.plus(config.filesRetention())))
                .replaceWithVoid();
    }

    /**
     * The daemon stopped answering mid-call. If the container is gone or stopped, the environment is failed
     * with the engine's diagnosis and the caller told why; a live container means a transient fault.
     */
    private <T> Uni<T> sandboxStopped(RunningSandbox sandbox, Throwable cause) {
        return blocking.run(() -> provider.inspect(sandbox.containerId())).chain(state -> {
            if (state.isPresent() && state.get().running()) {
                return Uni.createFrom().failure(ApiException.unavailable(
                        "sandbox of environment " + sandbox.environmentId() + " did not answer; retry"));
            }
            SandboxFailure failure = SandboxFailure.diagnose(state.orElse(null));
            return markStopped(sandbox.environmentId(), sandbox.containerId(), failure)
                    .chain(() -> Uni.createFrom().failure(ApiException.unavailable(
                            "sandbox of environment " + sandbox.environmentId() + " stopped: " + failure.message())));
        });
    }

    /**
     * Checks the environment's sandbox container now. A stopped one is recorded as failed (with the engine's
     * diagnosis) and its reason returned; a running one, or an environment without a sandbox, gives empty.
     */
    public Uni<java.util.Optional<SandboxFailure>> diagnose(String id) {
        return existing(id).chain(env -> {
            if (env.status != EnvironmentStatus.ACTIVE) {
                return Uni.createFrom().item(java.util.Optional.ofNullable(env.failureReason == null ? null
                        : new SandboxFailure(SandboxFailure.Reason.fromWire(env.failureReason), env.failureExitCode,
                                "environment is " + env.status.wire() + (env.failureMessage == null ? ""
                                        : ": " + env.failureMessage))));
            }
            return blocking.run(() -> provider.inspect(env.containerId)).chain(state -> {
                if (state.isPresent() && state.get().running()) {
                    return Uni.createFrom().item(java.util.Optional.<SandboxFailure>empty());
                }
                SandboxFailure failure = SandboxFailure.diagnose(state.orElse(null));
                return markStopped(env.id, env.containerId, failure).replaceWith(java.util.Optional.of(failure));
            });
        });
    }

    /**
     * A sandbox whose daemon stopped answering for {@code silence}: if its container stopped meanwhile, that is
     * recorded as it is; otherwise the environment fails as unresponsive and the container is removed, which
     * closes its metering. Either way the files stay, and the environment can be used again or deleted.
     */
    Uni<Void> markUnresponsive(Environment env, Duration silence) {
        return blocking.run(() -> provider.inspect(env.containerId)).chain(state -> {
            SandboxFailure failure = state.isPresent() && state.get().running()
                    ? new SandboxFailure(SandboxFailure.Reason.UNRESPONSIVE, null, "the sandbox was unresponsive: its "
                            + "daemon did not answer health checks for " + silence.toSeconds() + " s (stopped or "
                            + "starved processes), so it was stopped; its files are kept")
                    : SandboxFailure.diagnose(state.orElse(null));
            return markStopped(env.id, env.containerId, failure);
        });
    }

    /** Records a sandbox that died on its own and removes its container; the workspace volume stays. */
    Uni<Void> markStopped(String environmentId, String containerId, SandboxFailure failure) {
        Instant now = clock.instant();
        return Panache.withTransaction(() -> repository.markFailed(environmentId, failure, now,
                        now.plus(config.filesRetention())))
                .chain(marked -> {
                    if (marked) {
                        metrics.sandboxFailed(failure.reason());
                        LOG.warnf("environment %s: %s", environmentId, failure.message());
                    }
                    // The diagnosis is recorded; removing the dead container is housekeeping the reconciler
                    // repeats, so an engine hiccup here must not turn the caller's answer into a 500.
                    return containerId == null ? Uni.createFrom().voidItem() : blocking.run(() -> {
                        provider.remove(containerId);
                        return null;
                    }).onFailure().invoke(e -> LOG.warnf("environment %s: dead container %s not removed yet: %s",
                            environmentId, containerId, e.getMessage())).onFailure().recoverWithNull();
                })
                .replaceWithVoid();
    }

    /** Re-reads the workspace's file count and size from the sandbox; best effort. */
    public Uni<Void> refreshUsage(String id) {
        return existing(id).chain(env -> env.status != EnvironmentStatus.ACTIVE ? Uni.createFrom().voidItem()
                        : daemon.usage(env.sandboxAddress, env.sandboxToken)
                                .chain(usage -> Panache.withTransaction(() -> repository.recordUsage(env.id,
                                        usage.getLong("file_count", 0L), usage.getLong("size_bytes", 0L))))
                                .replaceWithVoid())
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Pushes the idle deadline out (never past the sandbox's lifetime) and, after changes, refreshes the file counts
     * the API shows.
     */
    private Uni<Void> recordUse(RunningSandbox sandbox, boolean filesChanged) {
        String id = sandbox.environmentId();
        if (!filesChanged) {
            return lifetimes.of(id).chain(lifetime -> {
                Instant now = clock.instant();
                return Panache.withTransaction(() -> repository.touch(id, now, lifetime.expiresAt(now)));
            }).replaceWithVoid();
        }
        // One round trip to the sandbox, then one statement for both the idle deadline and the counts.
        return daemon.usage(sandbox.address(), sandbox.token())
                .map(usage -> new long[] {usage.getLong("file_count", 0L), usage.getLong("size_bytes", 0L)})
                .onFailure().recoverWithNull()
                .chain(counts -> lifetimes.of(id).chain(lifetime -> {
                    Instant now = clock.instant();
                    Instant expires = lifetime.expiresAt(now);
                    return Panache.withTransaction(() -> counts == null ? repository.touch(id, now, expires)
                            : repository.touch(id, now, expires, counts[0], counts[1]));
                }))
                .replaceWithVoid();
    }

    /** The tenant's environment; another tenant's id is as unknown as a made-up one. */
    private Uni<Environment> find(String tenantId, String id) {
        if (!ResourceIds.isWellFormed(ID_PREFIX, id)) {
            return Uni.createFrom().failure(ResourceIds.unknown("environment", ID_PREFIX, id));
        }
        return existing(id).chain(env -> env.tenantId.equals(tenantId) ? Uni.createFrom().item(env)
                : Uni.createFrom().failure(notFound(id)));
    }

    /**
     * Deletes an environment whatever its state, for the retention purge (which acts for every tenant): claims it,
     * then removes container, volume and row. False when it was already gone or another actor claimed it first.
     */
    public Uni<Boolean> purge(String id) {
        return Panache.withSession(() -> repository.findById(id)).chain(env -> env == null
                ? Uni.createFrom().item(false)
                : Panache.withTransaction(() -> repository.markDeleting(id, clock.instant()))
                        .call(claimed -> claimed ? removeEverything(env) : Uni.createFrom().voidItem()));
    }

    /**
     * Deletes every environment of a tenant being deleted, as {@link #purge} does one: container, workspace volume
     * and row. One that another actor is already deleting is left to it (or to the reconciler). Answers how many
     * this call removed.
     */
    public Uni<Long> purgeAllOf(String tenantId) {
        return Panache.withSession(() -> repository.idsOf(tenantId)).chain(ids -> ids.isEmpty()
                ? Uni.createFrom().item(0L)
                : Multi.createFrom().iterable(ids)
                        .onItem().transformToUniAndConcatenate(id -> purge(id)
                                .onFailure().invoke(e -> LOG.warnf("deleting environment %s of a deleted tenant: %s",
                                        id, e.getMessage()))
                                .onFailure().recoverWithItem(false))
                        .collect().asList()
                        .map(results -> results.stream().filter(Boolean::booleanValue).count()));
    }

    /** Any tenant's environment, for the platform's own bookkeeping; never for answering a caller. */
    private Uni<Environment> existing(String id) {
        return Panache.withSession(() -> repository.findById(id))
                .chain(env -> env == null || env.status == EnvironmentStatus.DELETING
                        ? Uni.createFrom().failure(notFound(id))
                        : Uni.createFrom().item(env));
    }

    private static RunningSandbox running(Environment env) {
        return new RunningSandbox(env.id, env.containerId, env.sandboxAddress, env.sandboxToken);
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("environment " + id + " not found");
    }
}
