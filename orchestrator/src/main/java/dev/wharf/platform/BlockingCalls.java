package dev.wharf.platform;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Callable;

/**
 * Runs a blocking call (the Docker engine, a file walk) on a worker thread and delivers its result back
 * on the caller's Vert.x context, so the reactive database session that follows stays on its event loop.
 * Never call this inside an open transaction: claim and commit first, do the slow work, then finalise.
 */
@ApplicationScoped
public class BlockingCalls {
    private final Vertx vertx;

    public BlockingCalls(Vertx vertx) {
        this.vertx = vertx;
    }

    public <T> Uni<T> run(Callable<T> work) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            Context target = context != null ? context : vertx.getOrCreateContext();
            return Uni.createFrom().completionStage(() -> target.executeBlocking(work, false).toCompletionStage());
        });
    }
}
