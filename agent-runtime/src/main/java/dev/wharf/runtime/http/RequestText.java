package dev.wharf.runtime.http;

import dev.wharf.runtime.error.RequestException;

/**
 * What the daemon accepts as text for a process or the file system. A NUL cannot be passed in an argument, a
 * variable or a path (the kernel ends the string there), and a lone UTF-16 surrogate cannot be encoded for the
 * kernel at all; both are refused with a 400 naming the field, before anything is started or opened.
 */
public final class RequestText {

    private RequestText() {
    }

    /** Returns {@code value} if it is passable text, else throws a 400 naming {@code field}. */
    public static String require(String field, String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0') {
                throw RequestException.invalid(field + " must not contain NUL characters");
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw RequestException.invalid(field + " contains a lone UTF-16 surrogate, which is not a character");
            }
        }
        return value;
    }
}
