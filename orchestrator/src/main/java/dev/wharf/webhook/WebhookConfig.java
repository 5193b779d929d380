package dev.wharf.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Delivery of webhook events: timeouts, retries and when a failing endpoint is switched off. */
@ConfigMapping(prefix = "wharf.webhooks")
public interface WebhookConfig {

    /** How long connecting to a receiver, and then its answer, may each take. */
    @WithDefault("10s")
    Duration timeout();

    /** Attempts per delivery, the first included; after the last failure the delivery is failed. */
    @WithDefault("6")
    int maxAttempts();

    /** Wait before the first retry; each further retry waits twice as long (5, 10, 20, 40, 80 s). */
    @WithDefault("5s")
    Duration backoffBase();

    /** Consecutive failed attempts after which a webhook is disabled; a success resets the count. */
    @WithDefault("20")
    int disableAfter();

    /** How often due deliveries (first attempts left behind and retries) are claimed and sent. */
    @WithDefault("2s")
    String pollInterval();

    /** Most deliveries one control plane claims per poll. */
    @WithDefault("50")
    int batchSize();

    /** Secret (whsec_...) signing deliveries to per-request webhook_config.uris; absent: generated and stored. */
    Optional<String> requestSecret();
}
