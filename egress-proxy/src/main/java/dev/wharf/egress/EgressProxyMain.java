package dev.wharf.egress;

import java.util.concurrent.CountDownLatch;

/**
 * The process the control plane supervises: configured by environment, it prints {@code wharf-egress ready
 * <host:port>} once the CA is ready and the port is bound, logs to stderr, and on SIGTERM stops accepting, drains and
 * flushes its log before exiting.
 */
public final class EgressProxyMain {

    private EgressProxyMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
        }
        EgressSettings settings;
        try {
            settings = EgressSettings.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("wharf-egress: " + e.getMessage());
            System.exit(2);
            return;
        }
        EgressProxy proxy;
        try {
            proxy = EgressProxy.start(settings);
        } catch (IllegalStateException | IllegalArgumentException e) {
            System.err.println("wharf-egress: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stopped.countDown();
        }, "egress-shutdown"));
        System.out.println("wharf-egress ready " + proxy.boundAddress());
        System.out.flush();
        stopped.await();
    }
}
