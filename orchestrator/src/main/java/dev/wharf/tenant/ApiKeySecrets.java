package dev.wharf.tenant;

import dev.wharf.api.ResourceIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Making and recognising API keys. A key is {@code wharf_} and 38 random characters (190 bits); only its SHA-256
 * is stored. A salted slow hash protects guessable passwords; a key this random has nothing to guess, and a fast
 * hash keeps the per-request lookup one indexed read.
 */
public final class ApiKeySecrets {
    static final String PREFIX = "wharf_";
    private static final int RANDOM_CHARS = 38;
    private static final int SHOWN_CHARS = PREFIX.length() + 6;

    private ApiKeySecrets() {
    }

    public static String newKey() {
        return PREFIX + ResourceIds.randomToken(RANDOM_CHARS);
    }

    public static String hash(String key) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha256.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** The part of a key shown in listings. */
    public static String prefixOf(String key) {
        return key.substring(0, Math.min(key.length(), SHOWN_CHARS));
    }

    /** Compares two secrets in time independent of where they differ. */
    public static boolean sameSecret(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
