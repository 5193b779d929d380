package dev.wharf.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How much work one control plane takes on at once before it refuses more with 429 RESOURCE_EXHAUSTED and
 * {@code Retry-After}. Refusing at the door is cheap and loses nothing (nothing was stored); taking on more than
 * the database and the model connections can serve would only make every caller wait, then fail.
 */
@ConfigMapping(prefix = "wharf.admission")
public interface AdmissionConfig {

    /** API requests (including open event streams and creates waiting for their answer) this plane serves at once. */
    @WithDefault("1024")
    int maxRequests();

    /** API requests one tenant may have open on this plane at once: a noisy tenant cannot take the whole plane. */
    @WithDefault("512")
    int tenantMaxRequests();

    /** Model interactions this plane runs at once (from create to their last event, foreground or background). */
    @WithDefault("512")
    int maxModelCalls();

    /** Model interactions one tenant may have running on this plane at once. */
    @WithDefault("256")
    int tenantMaxModelCalls();

    /** What {@code Retry-After} asks a refused caller to wait. */
    @WithDefault("1s")
    Duration retryAfter();
}
