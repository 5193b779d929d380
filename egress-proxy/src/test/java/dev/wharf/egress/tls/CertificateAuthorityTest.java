package dev.wharf.egress.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CertificateAuthorityTest {

    @TempDir
    Path temp;

    @Test
    void firstStartCreatesACaWhoseKeyOnlyTheProxyCanRead() throws Exception {
        Path state = temp.resolve("state");
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(state);

        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("ca.key"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("ca.crt"))));
        assertTrue(Files.readString(state.resolve("ca.key")).startsWith("-----BEGIN PRIVATE KEY-----"));
        try (var files = Files.list(state)) {
            assertEquals(2, files.count(), "no temporary file is left behind");
        }
        X509Certificate cert = ca.certificate();
        assertTrue(cert.getSubjectX500Principal().getName().matches(".*CN=Wharf egress CA \\([0-9a-f]{8}\\).*"));
        assertTrue(cert.getBasicConstraints() >= 0, "is a CA");
        assertTrue(cert.getCriticalExtensionOIDs().contains("2.5.29.19"), "basicConstraints critical");
        assertTrue(cert.getCriticalExtensionOIDs().contains("2.5.29.15"), "keyUsage critical");
        boolean[] usage = cert.getKeyUsage();
        assertTrue(usage[5] && usage[6], "keyCertSign and cRLSign");
        long years = (cert.getNotAfter().getTime() - cert.getNotBefore().getTime()) / (365L * 24 * 3600 * 1000);
        assertEquals(10, years);
    }

    @Test
    void laterStartsReuseTheSameCa() {
        Path state = temp.resolve("state");
        X509Certificate first = CertificateAuthority.loadOrCreate(state).certificate();
        X509Certificate second = CertificateAuthority.loadOrCreate(state).certificate();

        assertEquals(first, second);
    }

    @Test
    void aCorruptOrIncompleteCaIsReportedAndNeverReplaced() throws Exception {
        Path state = temp.resolve("state");
        CertificateAuthority.loadOrCreate(state);
        byte[] cert = Files.readAllBytes(state.resolve("ca.crt"));
        Files.writeString(state.resolve("ca.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        IllegalStateException corrupt = assertThrows(IllegalStateException.class,
                () -> CertificateAuthority.loadOrCreate(state));
        assertTrue(corrupt.getMessage().contains("cannot use the CA"), corrupt.getMessage());
        assertArrayEquals(cert, Files.readAllBytes(state.resolve("ca.crt")));

        Files.delete(state.resolve("ca.key"));
        IllegalStateException incomplete = assertThrows(IllegalStateException.class,
                () -> CertificateAuthority.loadOrCreate(state));
        assertTrue(incomplete.getMessage().contains("incomplete"), incomplete.getMessage());
    }

    @Test
    void aKeyFromAnotherCaIsRefused() throws Exception {
        Path a = temp.resolve("a");
        Path b = temp.resolve("b");
        CertificateAuthority.loadOrCreate(a);
        CertificateAuthority.loadOrCreate(b);
        Files.copy(b.resolve("ca.key"), a.resolve("ca.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        IllegalStateException mismatch = assertThrows(IllegalStateException.class,
                () -> CertificateAuthority.loadOrCreate(a));
        assertTrue(mismatch.getMessage().contains("is not the key of"), mismatch.getMessage());
    }
}
