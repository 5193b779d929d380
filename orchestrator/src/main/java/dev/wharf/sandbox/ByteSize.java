package dev.wharf.sandbox;

import java.util.Locale;

/** Parses sizes as Docker writes them: plain bytes, or a number with a k, m or g suffix (powers of 1024). */
public final class ByteSize {
    private ByteSize() {
    }

    public static long parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.endsWith("b")) {
            value = value.substring(0, value.length() - 1);
        }
        long multiplier = 1;
        char unit = value.isEmpty() ? ' ' : value.charAt(value.length() - 1);
        switch (unit) {
            case 'k' -> multiplier = 1L << 10;
            case 'm' -> multiplier = 1L << 20;
            case 'g' -> multiplier = 1L << 30;
            default -> {
                return Long.parseLong(value);
            }
        }
        return Long.parseLong(value.substring(0, value.length() - 1).trim()) * multiplier;
    }
}
