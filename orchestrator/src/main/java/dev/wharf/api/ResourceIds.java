package dev.wharf.api;

import java.security.SecureRandom;

/** Opaque, unguessable resource ids: a type prefix and 128 bits of randomness in lowercase base32. */
public final class ResourceIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int RANDOM_CHARS = 26;

    private ResourceIds() {
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
