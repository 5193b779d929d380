package dev.wharf.egress.policy;

import java.util.Locale;

/** The one way host names are compared: case-insensitively, with a trailing dot ignored. */
public final class HostNames {

    private HostNames() {
    }

    public static String normalize(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
