package dev.wharf.credential;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The secrets key kept in a file, for an installation that configures none: read when the file exists, generated
 * into it otherwise. The file holds the key as base64 on one line, mode 0600, in a directory created 0700.
 * Generation is safe against two control planes starting at once on one host: the file appears whole (a temporary
 * file is linked into place, which fails rather than replace one already there), and the loser reads the winner's.
 */
public final class SecretsKeyFile {
    static final int KEY_BYTES = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    /** The key, and whether this call generated it (then nothing can have been sealed with it yet). */
    public record Loaded(byte[] key, boolean generated, Set<PosixFilePermission> permissions) {
        /** Whether anyone but the owner may read the file. */
        public boolean readableByOthers() {
            return permissions.stream().anyMatch(p -> p != PosixFilePermission.OWNER_READ
                    && p != PosixFilePermission.OWNER_WRITE && p != PosixFilePermission.OWNER_EXECUTE);
        }
    }

    private SecretsKeyFile() {
    }

    /** Reads the key from {@code file}, generating it there first when the file does not exist. */
    public static Loaded readOrCreate(Path file, SecureRandom random) {
        Path target = file.toAbsolutePath();
        try {
            return read(target, false);
        } catch (NoSuchFileException absent) {
            return create(target, random);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the secrets key file " + target + ": " + e.getMessage(), e);
        }
    }

    /** The key in base64, as {@code wharf.secrets.key} takes it; refuses anything but exactly 32 bytes. */
    public static byte[] decode(String base64, String source) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(source + " is not base64; it must be base64 of 32 random bytes"
                    + " (for example: openssl rand -base64 32)");
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalStateException(source + " holds " + key.length + " bytes; an AES-256 key is 32 bytes"
                    + " (for example: openssl rand -base64 32)");
        }
        return key;
    }

    private static Loaded read(Path file, boolean generated) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        return new Loaded(decode(text, "the secrets key file " + file), generated, permissions);
    }

    private static Loaded create(Path file, SecureRandom random) {
        Path directory = file.getParent();
        Path temporary = null;
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
                // The umask may only narrow what was asked for; set it outright so the mode is exactly 0700.
                Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
            }
            byte[] key = new byte[KEY_BYTES];
            random.nextBytes(key);
            temporary = Files.createTempFile(directory, ".secrets-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap((Base64.getEncoder().encodeToString(key) + "\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                channel.force(true);
            }
            try {
                Files.createLink(file, temporary);
                return read(file, true);
            } catch (FileAlreadyExistsException raced) {
                return read(file, false);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot create the secrets key file " + file + ": " + e.getMessage()
                    + "; set wharf.secrets.key (WHARF_SECRETS_KEY) or wharf.secrets.key-file", e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // A leftover temporary file holds a key nobody uses; it is harmless and mode 0600.
                }
            }
        }
    }
}
