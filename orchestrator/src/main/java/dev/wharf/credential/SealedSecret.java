package dev.wharf.credential;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The stored form of one secret value: AES-256-GCM with a random 96-bit nonce per value.
 * <pre>
 *   byte 0      format (1: AES-256-GCM, 96-bit nonce, 128-bit tag, UTF-8 plaintext)
 *   byte 1      id of the key it was sealed with (wharf.secrets.key-id), so keys can be rotated
 *   bytes 2-13  nonce
 *   rest        ciphertext, then the tag
 * </pre>
 * The two header bytes and the caller's context (whose value this is: tenant, credential, field) are authenticated
 * as associated data: a value opens only with its key and in its own place, and any changed byte makes it refuse
 * to open rather than yield something else. Random nonces are safe for far more values than one key will seal
 * (the bound for 96-bit random nonces is about 2^32 per key).
 */
public final class SealedSecret {
    static final byte FORMAT = 1;
    private static final int HEADER_BYTES = 2;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private SealedSecret() {
    }

    /** Seals {@code plaintext} under {@code key}, for the place {@code context} names. */
    public static byte[] seal(SecretKey key, int keyId, String plaintext, byte[] context, SecureRandom random) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] header = {FORMAT, (byte) keyId};
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header);
            cipher.updateAAD(context);
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(HEADER_BYTES + NONCE_BYTES + sealed.length).put(header).put(nonce).put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            // AES-GCM is part of every JDK; failing here means a broken runtime, not bad input.
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /** The key id a sealed value names, or -1 when it is not a sealed value of a known format. */
    public static int keyIdOf(byte[] sealed) {
        return sealed == null || sealed.length < HEADER_BYTES + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != FORMAT
                ? -1 : Byte.toUnsignedInt(sealed[1]);
    }

    /**
     * Opens a value sealed for {@code context}; fails with {@link SecretUnreadableException} (saying why, never with
     * any of the value) when the format is unknown, the value names another key id, or the key or the context is
     * not the one it was sealed with.
     */
    public static String open(SecretKey key, int keyId, byte[] sealed, byte[] context) {
        int sealedWith = keyIdOf(sealed);
        if (sealedWith < 0) {
            throw new SecretUnreadableException("the stored value is not a sealed secret of a known format");
        }
        if (sealedWith != keyId) {
            throw new SecretUnreadableException("it was sealed with key id " + sealedWith
                    + ", and the configured key has id " + keyId + " (wharf.secrets.key-id)");
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, HEADER_BYTES, NONCE_BYTES));
            cipher.updateAAD(sealed, 0, HEADER_BYTES);
            cipher.updateAAD(context);
            int start = HEADER_BYTES + NONCE_BYTES;
            byte[] plain = cipher.doFinal(sealed, start, sealed.length - start);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new SecretUnreadableException("it does not open with the configured key (id " + keyId
                    + "): wharf.secrets.key is not the key it was sealed with, or the stored value was altered or"
                    + " copied from another credential");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /**
     * Associated data naming one place a value may live, each part length-prefixed so that no two different
     * places can produce the same bytes.
     */
    public static byte[] context(String... parts) {
        byte[][] encoded = new byte[parts.length][];
        int length = 0;
        for (int i = 0; i < parts.length; i++) {
            encoded[i] = parts[i].getBytes(StandardCharsets.UTF_8);
            length += Integer.BYTES + encoded[i].length;
        }
        ByteBuffer context = ByteBuffer.allocate(length);
        for (byte[] part : encoded) {
            context.putInt(part.length).put(part);
        }
        return context.array();
    }
}
