package dev.wharf.egress.policy;

/**
 * An allowlist or trusted-domain pattern: an exact name, {@code *.example.com} (any name below example.com, at any
 * depth, never example.com itself) or {@code *} (any host).
 */
public final class HostPattern {

    private static final int ANY = 0;

    private final String text;
    /** For a wildcard, ".example.com"; for an exact name, the name; for {@code *}, empty. */
    private final String name;
    private final boolean wildcard;

    private HostPattern(String text, String name, boolean wildcard) {
        this.text = text;
        this.name = name;
        this.wildcard = wildcard;
    }

    public static HostPattern parse(String pattern) {
        String p = HostNames.normalize(pattern.trim());
        if (p.equals("*")) {
            return new HostPattern(p, "", true);
        }
        if (p.startsWith("*.") && p.length() > 2) {
            return new HostPattern(p, p.substring(1), true);
        }
        if (p.isEmpty() || p.contains("*")) {
            throw new IllegalArgumentException("not a host pattern: " + pattern);
        }
        return new HostPattern(p, p, false);
    }

    /** {@code host} must already be normalized. */
    public boolean matches(String host) {
        if (!wildcard) {
            return name.equals(host);
        }
        return name.isEmpty() || (host.endsWith(name) && host.length() > name.length());
    }

    /**
     * Higher wins when several patterns match one host: an exact name beats every wildcard, a longer wildcard beats a
     * shorter one, and {@code *} loses to everything.
     */
    public int specificity() {
        if (!wildcard) {
            return Integer.MAX_VALUE;
        }
        return name.isEmpty() ? ANY : name.length();
    }

    @Override
    public String toString() {
        return text;
    }
}
