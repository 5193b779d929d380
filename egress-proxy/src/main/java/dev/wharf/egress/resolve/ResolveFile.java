package dev.wharf.egress.resolve;

import dev.wharf.egress.policy.HostNames;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A hosts-format file ({@code <ip> <name> [name...]}, {@code #} comments) that replaces DNS entirely: a name not in
 * it does not resolve, and no query ever leaves the host.
 */
public final class ResolveFile {

    private final Map<String, List<InetAddress>> addresses;

    private ResolveFile(Map<String, List<InetAddress>> addresses) {
        this.addresses = addresses;
    }

    /** @throws IllegalArgumentException naming the unreadable file or malformed line */
    public static ResolveFile read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read WHARF_EGRESS_RESOLVE_FILE " + file + ": " + e.getMessage());
        }
        Map<String, List<InetAddress>> addresses = new HashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            int hash = line.indexOf('#');
            String[] fields = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
            if (fields.length == 1 && fields[0].isEmpty()) {
                continue;
            }
            InetAddress ip = Literals.parse(fields[0]);
            if (ip == null || fields.length < 2) {
                throw new IllegalArgumentException(file + " line " + (n + 1) + ": expected <ip> <name> [name...]");
            }
            for (int i = 1; i < fields.length; i++) {
                addresses.computeIfAbsent(HostNames.normalize(fields[i]), k -> new ArrayList<>()).add(ip);
            }
        }
        Map<String, List<InetAddress>> frozen = new HashMap<>();
        addresses.forEach((name, ips) -> frozen.put(name, List.copyOf(ips)));
        return new ResolveFile(Map.copyOf(frozen));
    }

    /** Empty when the name is not in the file. */
    public List<InetAddress> lookup(String host) {
        return addresses.getOrDefault(host, List.of());
    }
}
