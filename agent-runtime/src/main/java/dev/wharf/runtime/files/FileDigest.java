package dev.wharf.runtime.files;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 of a file, read in small chunks so a file of any size costs a fixed buffer. */
public record FileDigest(String sha256, long sizeBytes) {

    private static final int READ_CHUNK_BYTES = 64 * 1024;

    /** Reads {@code content} to its end; the caller opens and closes it. */
    public static FileDigest of(InputStream content) throws IOException {
        MessageDigest digest = newSha256();
        byte[] chunk = new byte[READ_CHUNK_BYTES];
        long size = 0;
        int read;
        while ((read = content.read(chunk)) != -1) {
            digest.update(chunk, 0, read);
            size += read;
        }
        return new FileDigest(HexFormat.of().formatHex(digest.digest()), size);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
