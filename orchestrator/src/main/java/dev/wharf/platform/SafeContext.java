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
        Context context = VertxContext.getOrCreateDuplicatedContext(current);
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
