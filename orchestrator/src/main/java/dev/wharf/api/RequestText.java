package dev.wharf.api;

/**
 * Rules for text a caller sends. PostgreSQL's text and jsonb cannot hold U+0000, and a lone UTF-16 surrogate is not
 * a character at all (it cannot be encoded as UTF-8), so both are refused at the edge with a 400 naming the field,
 * wherever they appear: a JSON body, a path id, a query parameter. Names additionally refuse control and bidi
 * characters, so a name shown in a listing or a log cannot fake line breaks or reorder what is around it.
 */
public final class RequestText {

    private RequestText() {
    }

    /** The problem with {@code value} as storable text, or null when there is none. */
    public static String storableProblem(CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0') {
                return "contains U+0000 (NUL), which cannot be stored";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "contains a lone UTF-16 surrogate (U+" + hex(c) + "), which is not a character";
            }
            if (Character.isLowSurrogate(c)) {
                return "contains a lone UTF-16 surrogate (U+" + hex(c) + "), which is not a character";
            }
        }
        return null;
    }

    /** Refuses {@code value} unless it is storable text; {@code field} is named in the 400. */
    public static String requireStorable(String field, String value) {
        String problem = value == null ? null : storableProblem(value);
        if (problem != null) {
            throw ApiException.invalidArgument(field + " " + problem);
        }
        return value;
    }

    /**
     * Refuses a name (of a tenant, key, agent, webhook or file) holding a control character (C0, DEL, C1) or a bidi
     * control (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069).
     */
    public static String requireName(String field, String value) {
        requireStorable(field, value);
        for (int i = 0; value != null && i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw ApiException.invalidArgument(field + " contains the control character U+" + hex(c)
                        + "; names may not contain control characters");
            }
            if (isBidiControl(c)) {
                throw ApiException.invalidArgument(field + " contains the bidi control U+" + hex(c)
                        + "; names may not contain characters that reorder text");
            }
        }
        return value;
    }

    /** Like a name, but prose: line breaks and tabs are allowed, other controls and bidi controls are not. */
    public static String requireProse(String field, String value) {
        requireStorable(field, value);
        for (int i = 0; value != null && i < value.length(); i++) {
            char c = value.charAt(i);
            if ((Character.isISOControl(c) && c != '\n' && c != '\t' && c != '\r') || isBidiControl(c)) {
                throw ApiException.invalidArgument(field + " contains the control character U+" + hex(c));
            }
        }
        return value;
    }

    static boolean isBidiControl(char c) {
        return c == '\u200E' || c == '\u200F' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }
}
