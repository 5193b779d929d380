package dev.wharf.runtime;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factory that names threads, so a thread dump of a sandbox says who owns what. */
public final class NamedThreads implements ThreadFactory {

    private final String prefix;
    private final boolean daemon;
    private final AtomicInteger sequence = new AtomicInteger();

    private NamedThreads(String prefix, boolean daemon) {
        this.prefix = prefix;
        this.daemon = daemon;
    }

    /** Threads that keep the JVM alive while they run. */
    public static NamedThreads workers(String prefix) {
        return new NamedThreads(prefix, false);
    }

    /** Threads that must never delay JVM exit, e.g. ones draining pipes a stray child holds open. */
    public static NamedThreads background(String prefix) {
        return new NamedThreads(prefix, true);
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + "-" + sequence.incrementAndGet());
        thread.setDaemon(daemon);
        return thread;
    }
}
