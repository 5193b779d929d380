package dev.wharf.platform;

import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;

/**
 * Recognises the two ways a bounded connection pool refuses work (see {@link DatabaseConfig}): its wait queue is
 * full, or a connection did not come free within the acquire timeout. Both mean "overloaded, try again", not
 * "broken": callers answer 503 with Retry-After, and an interaction that meets one is failed saying so.
 */
public final class DatabaseBusy {
    private static final String ACQUIRE_TIMEOUT = "Timeout waiting for connection";

    private DatabaseBusy() {
    }

    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectionPoolTooBusyException) {
                return true;
            }
            if (t instanceof VertxException && t.getMessage() != null && t.getMessage().startsWith(ACQUIRE_TIMEOUT)) {
                return true;
            }
        }
        return false;
    }
}
