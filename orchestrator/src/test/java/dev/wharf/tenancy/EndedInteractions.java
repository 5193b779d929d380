package dev.wharf.tenancy;

import dev.wharf.lifecycle.InteractionEnded;
import dev.wharf.lifecycle.InteractionStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How interactions ended, as the platform announced it to its own observers (webhooks, metering, the queue): the
 * only witness left once a tenant's deletion has removed the interactions themselves.
 */
@ApplicationScoped
public class EndedInteractions {
    private final Map<String, InteractionStatus> ended = new ConcurrentHashMap<>();

    void on(@ObservesAsync InteractionEnded event) {
        ended.put(event.interactionId(), event.status());
    }

    public InteractionStatus of(String interactionId) {
        return ended.get(interactionId);
    }
}
