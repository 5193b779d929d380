package dev.wharf.platform;

import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;

/**
 * Recognises the two ways a bounded connection pool refuses work (see {@link DatabaseConfig}): its wait queue is
 * full, or a connection did not come free within the acquire timeout. Both mean "overloaded, try again", not
 * "broken": callers answer 503 with Retry-After, and an interaction that meets one is failed saying so.
 */
public final class DatabaseBusy {
    private static final String ACQUIRE_TIMEOUT = "Timeout waiting for connection";
    /** How the pool's own acquire timer reports itself when a transaction asks for its connection. */
    private static final String POOL_TIMEOUT = "Timeout";

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
            if (t instanceof NoStackTraceThrowable && POOL_TIMEOUT.equals(t.getMessage())) {
                return true;
            }
        }
        return false;
    }
}
