package dev.wharf.egress;

import dev.wharf.api.ApiException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A host-name pattern for outbound traffic: an exact name ({@code api.example.com}), {@code *.example.com} for any
 * name below example.com at any depth (not example.com itself), or {@code *} for any host. Lower-cased ASCII; no
 * scheme, port, path or IP address: egress is decided by name, and an address says nothing about who is behind it.
 * Allowlists and credentials' trusted domains share these rules, and the egress proxy matches the same way.
 */
public record DomainPattern(String text) {
    public static final String ANY = "*";
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final int MAX_HOST_CHARS = 253;

    /** Whether {@code *} may stand for any host where this pattern is read. */
    public enum Any { ALLOWED, REFUSED }

    /**
     * Reads {@code value} as a pattern, or fails with a 400 naming {@code field}. {@code anyRefusal} is the sentence
     * that explains a refused {@code *} where {@code any} is {@link Any#REFUSED}.
     */
    public static DomainPattern parse(String field, Object value, Any any, String anyRefusal) {
        if (!(value instanceof String given)) {
            throw invalid(field + " must be a string");
        }
        String domain = given.toLowerCase(Locale.ROOT);
        if (domain.isEmpty()) {
            throw invalid(field + " must not be empty");
        }
        if (domain.contains("://")) {
            throw invalid(field + " must be a host name without a scheme (no https://)");
        }
        if (domain.contains("/") || domain.contains("?") || domain.contains("#")) {
            throw invalid(field + " must be a host name without a path");
        }
        if (domain.startsWith("[") || domain.chars().filter(c -> c == ':').count() > 1) {
            throw invalid(field + " must be a host name, not an IP address");
        }
        if (domain.contains(":")) {
            throw invalid(field + " must be a host name without a port");
        }
        if (domain.equals(ANY)) {
            if (any == Any.REFUSED) {
                throw invalid(field + " cannot be *: " + anyRefusal);
            }
            return new DomainPattern(ANY);
        }
        boolean wildcard = domain.startsWith("*.");
        String host = wildcard ? domain.substring(2) : domain;
        if (host.contains("*")) {
            throw invalid(field + " may hold * only as its whole first label, as in *.example.com");
        }
        if (host.length() > MAX_HOST_CHARS) {
            throw invalid(field + " is longer than a host name can be (" + MAX_HOST_CHARS + " characters)");
        }
        if (host.endsWith(".")) {
            throw invalid(field + " must not end with a dot");
        }
        for (int i = 0; i < host.length(); i++) {
            if (host.charAt(i) > 0x7F) {
                throw invalid(field + " must be ASCII: write international names in their punycode (xn--) form");
            }
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw invalid(field + " must be a host name: labels of letters, digits and inner hyphens, 1 to 63"
                        + " characters, separated by dots");
            }
        }
        if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            throw invalid(field + " must be a host name, not an IP address");
        }
        if (wildcard && labels.length < 2) {
            throw invalid(field + " is too broad: a wildcard needs a domain of at least two labels (*.example.com)");
        }
        return new DomainPattern(domain);
    }

    /** A pattern stored earlier by {@link #parse}: trusted as it is. */
    public static DomainPattern stored(String text) {
        return new DomainPattern(text);
    }

    public boolean isAny() {
        return text.equals(ANY);
    }

    /**
     * Whether {@code host} falls under this pattern: case-insensitive, a trailing dot ignored; {@code *.example.com}
     * covers {@code a.example.com} and {@code a.b.example.com}, not {@code example.com}.
     */
    public boolean matches(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (isAny()) {
            return true;
        }
        return text.startsWith("*.") ? name.endsWith(text.substring(1)) && name.length() > text.length() - 1
                : name.equals(text);
    }

    @Override
    public String toString() {
        return text;
    }

    private static ApiException invalid(String message) {
        return ApiException.invalidArgument(message);
    }
}
