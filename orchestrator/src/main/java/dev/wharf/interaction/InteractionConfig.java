package dev.wharf.interaction;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Limits and defaults for interactions and agent runs. */
@ConfigMapping(prefix = "wharf.interactions")
public interface InteractionConfig {

    /**
     * Timeout when the request's agent_config names none and neither the tenant (default_timeout_seconds) nor the
     * saved agent sets one.
     */
    @WithDefault("30m")
    Duration defaultTimeout();

    /** The longest any interaction runs; a request asking for more runs with this (see InteractionTimeout). */
    @WithDefault("24h")
    Duration maxTimeout();

    /** Model turns an agent run may take before it ends incomplete. */
    @WithDefault("50")
    int defaultMaxSteps();

    /** Model that drives agents when agent_config.model is absent (a provider/model id); none means required. */
    @WithDefault("${WHARF_AGENT_MODEL:}")
    Optional<String> agentDefaultModel();

    /** How long one built-in tool call (a code run, a page fetch) may take inside the sandbox. */
    @WithDefault("300s")
    Duration toolTimeout();

    /** Lease on a control-plane-driven model call; the owner renews it, others take over when it lapses. */
    @WithDefault("30s")
    Duration lease();

    /**
     * How often a stream follower reads its interaction's log without being woken: appends on any control plane
     * wake followers everywhere through PostgreSQL notifications, so this only covers notifications missed while
     * the listening connection reconnects.
     */
    @WithDefault("5s")
    Duration streamPoll();

    /** How often deadlines, orphaned calls and dead sandbox runs are checked. */
    @WithDefault("2s")
    String watchdogInterval();

    /** How many previous interactions a conversation reaches back through. */
    @WithDefault("100")
    int historyLimit();

    /** Port of the model gateway that sandboxes call; it listens on the sandbox network's gateway address. */
    @WithDefault("7071")
    int gatewayPort();

    /** Address the model gateway binds and sandboxes dial; empty means the sandbox network's gateway address. */
    Optional<String> gatewayHost();
}
