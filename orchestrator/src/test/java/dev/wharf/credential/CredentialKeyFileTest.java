package dev.wharf.credential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.configuration.MemorySize;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secrets key: configured, or generated into a file at first start and read from it afterwards. */
class CredentialKeyFileTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path home;

    @Test
    void aFreshInstallationGeneratesAKeyOnlyItsOwnerCanRead() throws IOException {
        Path file = home.resolve(".wharf/secrets-key");
        SecretsKeyFile.Loaded first = SecretsKeyFile.readOrCreate(file, RANDOM);

        assertTrue(first.generated());
        assertEquals(32, first.key().length);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertArrayEquals(first.key(), Base64.getDecoder().decode(Files.readString(file).strip()), "base64 on one line");
        try (var left = Files.list(file.getParent())) {
            assertEquals(List.of(file), left.toList(), "no temporary file is left behind");
        }

        SecretsKeyFile.Loaded again = SecretsKeyFile.readOrCreate(file, RANDOM);
        assertFalse(again.generated(), "a later start reads the key it made");
        assertArrayEquals(first.key(), again.key());
        assertFalse(again.readableByOthers());
    }

    @Test
    void theBeanSealsWithTheGeneratedKeyAndOpensWithItAfterARestart() {
        Path file = home.resolve(".wharf/secrets-key");
        byte[] here = SealedSecret.context("t", "c", "token");
        byte[] sealed = new SecretsKey(config(Optional.empty(), 1, file)).seal("tok", here);
        assertTrue(Files.isRegularFile(file));
        assertEquals("tok", new SecretsKey(config(Optional.empty(), 1, file)).open(sealed, here));
    }

    @Test
    void aConfiguredKeyWinsAndTheFileIsNeverWritten() {
        Path file = home.resolve(".wharf/secrets-key");
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        SecretsKey configured = new SecretsKey(config(Optional.of(key), 3, file));
        assertEquals(3, configured.keyId());
        assertEquals(3, SealedSecret.keyIdOf(configured.seal("x", new byte[0])));
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(file.getParent()));
    }

    @Test
    void twoControlPlanesStartingAtOnceEndUpWithOneKey() throws Exception {
        Path file = home.resolve(".wharf/secrets-key");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Callable<byte[]> start = () -> SecretsKeyFile.readOrCreate(file, RANDOM).key();
            List<Future<byte[]>> keys = pool.invokeAll(java.util.Collections.nCopies(8, start));
            for (Future<byte[]> each : keys) {
                assertArrayEquals(keys.get(0).get(), each.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(Base64.getDecoder().decode(Files.readString(file).strip()),
                SecretsKeyFile.readOrCreate(file, RANDOM).key());
    }

    @Test
    void aMalformedKeyStopsTheStartWithoutShowingIt() throws IOException {
        Path file = home.resolve("secrets-key");
        byte[] short16 = new byte[16];
        RANDOM.nextBytes(short16);
        String sixteenBytes = Base64.getEncoder().encodeToString(short16);
        Files.writeString(file, sixteenBytes + "\n");
        IllegalStateException shortKey = assertThrows(IllegalStateException.class,
                () -> new SecretsKey(config(Optional.empty(), 1, file)));
        assertTrue(shortKey.getMessage().contains("an AES-256 key is 32 bytes"), shortKey.getMessage());
        assertFalse(shortKey.getMessage().contains(sixteenBytes));

        IllegalStateException notBase64 = assertThrows(IllegalStateException.class,
                () -> new SecretsKey(config(Optional.of("not base64 at all!"), 1, file)));
        assertTrue(notBase64.getMessage().startsWith("wharf.secrets.key (WHARF_SECRETS_KEY) is not base64"));
        assertFalse(notBase64.getMessage().contains("not base64 at all!"));

        String good = Base64.getEncoder().encodeToString(new byte[32]);
        assertThrows(IllegalStateException.class, () -> new SecretsKey(config(Optional.of(good), 0, file)));
        assertThrows(IllegalStateException.class, () -> new SecretsKey(config(Optional.of(good), 256, file)));
    }

    @Test
    void aKeyFileOthersCanReadIsReported() throws IOException {
        Path file = home.resolve("secrets-key");
        Files.writeString(file, Base64.getEncoder().encodeToString(new byte[32]));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(SecretsKeyFile.readOrCreate(file, RANDOM).readableByOthers());
    }

    private static SecretsConfig config(Optional<String> key, int keyId, Path file) {
        return new SecretsConfig() {
            @Override
            public Optional<String> key() {
                return key;
            }

            @Override
            public int keyId() {
                return keyId;
            }

            @Override
            public String keyFile() {
                return file.toString();
            }

            @Override
            public MemorySize maxSize() {
                return new MemorySize(BigInteger.valueOf(16 * 1024));
            }
        };
    }
}
