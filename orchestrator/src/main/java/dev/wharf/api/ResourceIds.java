package dev.wharf.api;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Resource ids. Generated ones are opaque and unguessable: a type prefix and 128 bits of randomness in lowercase
 * base32. Others are chosen by the caller (saved agents, credentials) under one rule, {@link #isChosenId}.
 */
public final class ResourceIds {
    /** What a caller-chosen id may be, as error messages state it. */
    public static final String CHOSEN_ID_RULE = "lowercase letters, digits, '.', '_' or '-', at most 63 characters";
    private static final Pattern CHOSEN_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int RANDOM_CHARS = 26;
    private static final int MAX_SHOWN_CHARS = 64;

    private ResourceIds() {
    }

    /**
     * Whether {@code id} has the shape {@link #newId} gives ids of this type. Lookups check it first, so a malformed
     * or overlong id is answered as unknown without reaching the database (where a NUL in it would fail the query).
     */
    public static boolean isWellFormed(String prefix, String id) {
        if (id == null || id.length() != prefix.length() + 1 + RANDOM_CHARS || !id.startsWith(prefix + "_")) {
            return false;
        }
        for (int i = prefix.length() + 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code id} fits the rule for ids callers choose: it starts with a letter or digit, so it can never be
     * mistaken for a path segment such as "." or "..", and it is safe in paths, logs and messages as it is.
     */
    public static boolean isChosenId(String id) {
        return id != null && CHOSEN_ID.matcher(id).matches();
    }

    /** The 404 for a path id that cannot be a chosen id of {@code kind}, before any query. */
    public static ApiException unknownChosen(String kind, String id) {
        return ApiException.notFound(kind + " " + shown(id) + " not found: " + kind + " ids are " + CHOSEN_ID_RULE);
    }

    /** The 404 for an id that cannot name any {@code kind}; the id is echoed only as far as it is harmless. */
    public static ApiException unknown(String kind, String prefix, String id) {
        return ApiException.notFound(kind + " " + shown(id) + " not found: ids of this kind are " + prefix
                + "_ followed by " + RANDOM_CHARS + " characters a-z, 2-7");
    }

    /**
     * An id as it may appear in a message: at most 64 characters, anything but printable ASCII shown as '?', so a
     * malformed id cannot carry NUL, line breaks or bidi controls into a body or a log.
     */
    public static String shown(String id) {
        if (id == null) {
            return "(none)";
        }
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < Math.min(id.length(), MAX_SHOWN_CHARS); i++) {
            char c = id.charAt(i);
            shown.append(c >= 0x21 && c < 0x7F ? c : '?');
        }
        return id.length() > MAX_SHOWN_CHARS ? shown + "..." : shown.toString();
    }

    public static String newId(String prefix) {
        return prefix + "_" + randomToken(RANDOM_CHARS);
    }

    /** A secret of {@code chars * 5} bits, for credentials that never leave the control plane's reach. */
    public static String randomToken(int chars) {
        StringBuilder id = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            id.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return id.toString();
    }
}
