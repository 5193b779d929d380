package dev.wharf.egress.resolve;

import dev.wharf.egress.policy.HostNames;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's own name-to-address map ({@code WHARF_EGRESS_HOSTS}): {@code name=ip:port} for any port, or
 * {@code name:port=ip:port} for one port, which wins. These destinations are trusted as the operator chose them, so
 * they are exempt from the private-address refusal.
 */
public final class HostMap {

    private final Map<String, InetSocketAddress> byName;
    private final Map<String, InetSocketAddress> byNameAndPort;

    private HostMap(Map<String, InetSocketAddress> byName, Map<String, InetSocketAddress> byNameAndPort) {
        this.byName = Map.copyOf(byName);
        this.byNameAndPort = Map.copyOf(byNameAndPort);
    }

    public static HostMap empty() {
        return new HostMap(Map.of(), Map.of());
    }

    /** @throws IllegalArgumentException naming the malformed entry */
    public static HostMap parse(String spec) {
        Map<String, InetSocketAddress> byName = new HashMap<>();
        Map<String, InetSocketAddress> byNameAndPort = new HashMap<>();
        if (spec == null || spec.isBlank()) {
            return empty();
        }
        for (String raw : spec.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw malformed(entry, "expected name[:port]=ip:port");
            }
            String key = entry.substring(0, eq).trim();
            InetSocketAddress target = address(entry, entry.substring(eq + 1).trim());
            int colon = key.indexOf(':');
            String name = HostNames.normalize(colon < 0 ? key : key.substring(0, colon));
            if (!name.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)*") || IpLiterals.isLiteral(name)) {
                throw malformed(entry, "not a host name: " + name);
            }
            if (colon < 0) {
                byName.put(name, target);
            } else {
                byNameAndPort.put(name + ":" + port(entry, key.substring(colon + 1)), target);
            }
        }
        return new HostMap(byName, byNameAndPort);
    }

    /** {@code host} must already be normalized. */
    public Optional<InetSocketAddress> lookup(String host, int port) {
        InetSocketAddress exact = byNameAndPort.get(host + ":" + port);
        return Optional.ofNullable(exact != null ? exact : byName.get(host));
    }

    private static InetSocketAddress address(String entry, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw malformed(entry, "target needs ip:port");
        }
        InetAddress ip = Literals.parse(text.substring(0, colon));
        if (ip == null) {
            throw malformed(entry, "target is not an IP address");
        }
        return new InetSocketAddress(ip, port(entry, text.substring(colon + 1)));
    }

    private static int port(String entry, String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw malformed(entry, "bad port " + text);
    }

    private static IllegalArgumentException malformed(String entry, String why) {
        return new IllegalArgumentException("WHARF_EGRESS_HOSTS entry '" + entry + "': " + why);
    }
}
