package dev.wharf.platform;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Hibernate Reactive insists on a duplicated Vert.x context flagged safe. Quarkus sets one up for its own
 * endpoints and jobs, but not for handlers on raw routes or on Wharf's own servers; those run their work
 * through here.
 */
public final class SafeContext {
    private SafeContext() {
    }

    public static <T> Uni<T> run(Supplier<Uni<T>> work) {
        Context current = Vertx.currentContext();
        if (current == null) {
            return Uni.createFrom().failure(new IllegalStateException("SafeContext.run needs a Vert.x thread"));
        }
        return on(VertxContext.getOrCreateDuplicatedContext(current), work);
    }

    /**
     * Runs {@code work} on a new context of its own, never the caller's: work that goes on detached from what
     * started it (an interaction's run, several admitted at once) must not share the caller's reactive session,
     * which is bound to the context and is not safe for concurrent use.
     */
    public static <T> Uni<T> detached(Supplier<Uni<T>> work) {
        Context current = Vertx.currentContext();
        if (current == null) {
            return Uni.createFrom().failure(new IllegalStateException("SafeContext.detached needs a Vert.x thread"));
        }
        return on(VertxContext.createNewDuplicatedContext(current), work);
    }

    private static <T> Uni<T> on(Context context, Supplier<Uni<T>> work) {
        VertxContextSafetyToggle.setContextSafe(context, true);
        return Uni.createFrom().emitter(emitter -> context.runOnContext(ignored -> {
            Uni<T> started;
            try {
                started = work.get();
            } catch (RuntimeException e) {
                emitter.fail(e);
                return;
            }
            started.subscribe().with(emitter::complete, emitter::fail);
        }));
    }
}
