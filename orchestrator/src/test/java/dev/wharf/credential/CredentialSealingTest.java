package dev.wharf.credential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The stored form of a secret: AES-256-GCM, bound to its place, refusing to open rather than yield a guess. */
class CredentialSealingTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SECRET = "sk-live-0123456789abcdef";
    private static final byte[] HERE = SealedSecret.context("wharf.credential", "acme", "github", "token");

    @Test
    void aSealedValueOpensWithItsKeyInItsPlaceAndHoldsNoPlaintext() {
        SecretKey key = newKey();
        byte[] sealed = SealedSecret.seal(key, 1, SECRET, HERE, RANDOM);

        assertEquals(SECRET, SealedSecret.open(key, 1, sealed, HERE));
        assertEquals(SealedSecret.FORMAT, sealed[0], "the format byte comes first");
        assertEquals(1, SealedSecret.keyIdOf(sealed), "then the key id, for rotation");
        assertEquals(2 + 12 + SECRET.length() + 16, sealed.length, "header, 96-bit nonce, ciphertext, 128-bit tag");
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("sk-live"), "no plaintext in it");
        assertEquals("é漢😀", SealedSecret.open(key, 1, SealedSecret.seal(key, 1, "é漢😀", HERE, RANDOM), HERE));
    }

    @Test
    void everyValueGetsItsOwnNonce() {
        SecretKey key = newKey();
        byte[] first = SealedSecret.seal(key, 1, SECRET, HERE, RANDOM);
        byte[] second = SealedSecret.seal(key, 1, SECRET, HERE, RANDOM);
        assertNotEquals(Arrays.toString(Arrays.copyOfRange(first, 2, 14)), Arrays.toString(Arrays.copyOfRange(second, 2, 14)));
        assertFalse(Arrays.equals(first, second), "the same secret twice is stored differently");
    }

    @Test
    void aWrongKeyFailsClearlyInsteadOfReturningGarbage() {
        byte[] sealed = SealedSecret.seal(newKey(), 1, SECRET, HERE, RANDOM);
        SecretUnreadableException wrong = assertThrows(SecretUnreadableException.class,
                () -> SealedSecret.open(newKey(), 1, sealed, HERE));
        assertTrue(wrong.getMessage().contains("does not open with the configured key (id 1)"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains(SECRET));
    }

    @Test
    void aValueOpensNowhereElse() {
        SecretKey key = newKey();
        byte[] sealed = SealedSecret.seal(key, 1, SECRET, HERE, RANDOM);
        for (byte[] elsewhere : new byte[][] {
                SealedSecret.context("wharf.credential", "other-tenant", "github", "token"),
                SealedSecret.context("wharf.credential", "acme", "gitlab", "token"),
                SealedSecret.context("wharf.credential", "acme", "github", "value"),
                // Parts are length-prefixed: moving a boundary is another place, not the same bytes.
                SealedSecret.context("wharf.credential", "acmeg", "ithub", "token")}) {
            assertThrows(SecretUnreadableException.class, () -> SealedSecret.open(key, 1, sealed, elsewhere));
        }
    }

    @Test
    void anyChangedByteIsRefused() {
        SecretKey key = newKey();
        byte[] sealed = SealedSecret.seal(key, 7, SECRET, HERE, RANDOM);
        for (int i = 2; i < sealed.length; i++) {
            byte[] altered = sealed.clone();
            altered[i] ^= 0x01;
            assertThrows(SecretUnreadableException.class, () -> SealedSecret.open(key, 7, altered, HERE), "byte " + i);
        }
        byte[] otherId = sealed.clone();
        otherId[1] = 8;
        SecretUnreadableException renamed = assertThrows(SecretUnreadableException.class,
                () -> SealedSecret.open(key, 8, otherId, HERE));
        assertTrue(renamed.getMessage().contains("does not open"), "the key id is authenticated too");
    }

    @Test
    void aValueOfAnotherKeyIdOrFormatSaysSo() {
        SecretKey key = newKey();
        byte[] sealed = SealedSecret.seal(key, 1, SECRET, HERE, RANDOM);
        SecretUnreadableException otherKey = assertThrows(SecretUnreadableException.class,
                () -> SealedSecret.open(key, 2, sealed, HERE));
        assertEquals("it was sealed with key id 1, and the configured key has id 2 (wharf.secrets.key-id)",
                otherKey.getMessage());
        byte[] future = sealed.clone();
        future[0] = 2;
        assertTrue(assertThrows(SecretUnreadableException.class, () -> SealedSecret.open(key, 1, future, HERE))
                .getMessage().contains("known format"));
        assertThrows(SecretUnreadableException.class, () -> SealedSecret.open(key, 1, new byte[5], HERE));
        assertThrows(SecretUnreadableException.class, () -> SealedSecret.open(key, 1, null, HERE));
    }

    @Test
    void contextsAreUnambiguous() {
        assertFalse(Arrays.equals(SealedSecret.context("ab", "c"), SealedSecret.context("a", "bc")));
        assertArrayEquals(SealedSecret.context("a", "b"), SealedSecret.context("a", "b"));
    }

    private static SecretKey newKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new SecretKeySpec(bytes, "AES");
    }
}
