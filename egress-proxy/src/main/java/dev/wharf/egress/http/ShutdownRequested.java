package dev.wharf.egress.http;

/**
 * Fired at every client connection when the proxy stops: an idle HTTP connection closes at once, a busy one after
 * its current exchange; tunnels run on until the grace period ends.
 */
public final class ShutdownRequested {

    public static final ShutdownRequested INSTANCE = new ShutdownRequested();

    private ShutdownRequested() {
    }
}
