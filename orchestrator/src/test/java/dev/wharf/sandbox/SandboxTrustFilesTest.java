package dev.wharf.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxTrustFilesTest {

    @TempDir
    Path temp;

    private final SandboxTrustFiles trustFiles = SandboxTrustFiles.withJdkRoots();

    @Test
    void theBundleHoldsTheJdkRootsThenTheUpstreamCasThenTheEgressCa() throws Exception {
        SandboxTrust trust = trustFiles.write(resource("egress-ca.pem"), Optional.of(resource("upstream-cas.pem")),
                temp.resolve("trust"));

        List<X509Certificate> bundle = certificates(trust.directory().resolve(SandboxTrustFiles.BUNDLE_FILE));
        List<X509Certificate> jdkRoots = jdkRoots();
        List<X509Certificate> upstream = certificates(resource("upstream-cas.pem"));
        X509Certificate egress = certificates(resource("egress-ca.pem")).get(0);
        assertEquals(2, upstream.size());
        assertEquals(jdkRoots.size() + 3, bundle.size());
        assertEquals(Set.copyOf(jdkRoots), Set.copyOf(bundle.subList(0, jdkRoots.size())));
        assertEquals(upstream, bundle.subList(jdkRoots.size(), jdkRoots.size() + 2));
        assertEquals(egress, bundle.get(bundle.size() - 1));

        assertEquals(List.of(egress), certificates(trust.directory().resolve(SandboxTrustFiles.EGRESS_CA_FILE)));
        List<X509Certificate> extra = new ArrayList<>(upstream);
        extra.add(egress);
        assertEquals(extra, certificates(trust.directory().resolve(SandboxTrustFiles.EXTRA_CA_FILE)));
    }

    /** What the JRE does with its default trust store: JKS, no password (so the integrity digest is skipped). */
    @Test
    void theJavaTrustStoreLoadsWithoutAPasswordAndTrustsTheSameCertificates() throws Exception {
        SandboxTrust trust = trustFiles.write(resource("egress-ca.pem"), Optional.of(resource("upstream-cas.pem")),
                temp.resolve("trust"));
        Path jks = trust.directory().resolve(SandboxTrustFiles.JAVA_TRUST_STORE_FILE);

        KeyStore store = KeyStore.getInstance("JKS");
        try (InputStream in = Files.newInputStream(jks)) {
            store.load(in, null);
        }
        List<String> aliases = Collections.list(store.aliases());
        for (String alias : aliases) {
            assertTrue(store.isCertificateEntry(alias), alias);
        }
        assertTrue(aliases.contains("wharf-egress-ca"), aliases.toString());
        Set<Certificate> stored = aliases.stream().map(alias -> certificate(store, alias)).collect(Collectors.toSet());
        assertEquals(Set.copyOf(certificates(trust.directory().resolve(SandboxTrustFiles.BUNDLE_FILE))), stored);

        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        X509TrustManager manager = (X509TrustManager) factory.getTrustManagers()[0];
        assertTrue(List.of(manager.getAcceptedIssuers()).containsAll(certificates(resource("egress-ca.pem"))));
        assertTrue(List.of(manager.getAcceptedIssuers()).containsAll(certificates(resource("upstream-cas.pem"))));

        // The digest is the JDK's own: keytool -storepass changeit verifies it, and a wrong password fails.
        try (InputStream in = Files.newInputStream(jks)) {
            KeyStore.getInstance("JKS").load(in, SandboxTrustFiles.JKS_PASSWORD.toCharArray());
        }
        assertThrows(IOException.class, () -> {
            try (InputStream in = Files.newInputStream(jks)) {
                KeyStore.getInstance("JKS").load(in, "wrong".toCharArray());
            }
        });
    }

    @Test
    void theSameInputsGiveTheSameBytesAndTouchNothing() throws Exception {
        Path directory = temp.resolve("trust");
        trustFiles.write(resource("egress-ca.pem"), Optional.of(resource("upstream-cas.pem")), directory);
        List<byte[]> first = contents(directory);
        List<FileTime> written = modified(directory);
        List<Object> inodes = inodes(directory);

        List<X509Certificate> reversed = new ArrayList<>(jdkRoots());
        Collections.reverse(reversed);
        new SandboxTrustFiles(reversed).write(resource("egress-ca.pem"), Optional.of(resource("upstream-cas.pem")),
                directory);

        List<byte[]> second = contents(directory);
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i), second.get(i));
        }
        assertEquals(written, modified(directory));
        assertEquals(inodes, inodes(directory), "an unchanged file is not replaced");
    }

    @Test
    void changedInputsReplaceTheFilesAndLeaveNoTemporaryFiles() throws Exception {
        Path directory = temp.resolve("trust");
        trustFiles.write(resource("egress-ca.pem"), Optional.of(resource("upstream-cas.pem")), directory);
        Path leftover = Files.writeString(directory.resolve(".cacerts.123.partial"), "from a crashed write");

        SandboxTrust trust = trustFiles.write(resource("egress-ca.pem"), Optional.empty(), directory);

        X509Certificate egress = certificates(resource("egress-ca.pem")).get(0);
        assertEquals(List.of(egress), certificates(directory.resolve(SandboxTrustFiles.EXTRA_CA_FILE)));
        assertEquals(jdkRoots().size() + 1, certificates(directory.resolve(SandboxTrustFiles.BUNDLE_FILE)).size());
        assertTrue(Files.notExists(leftover));
        try (var names = Files.list(directory)) {
            assertEquals(Set.of("ca-certificates.crt", "cacerts", "egress-ca.crt", "extra-ca.crt"),
                    names.map(path -> path.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertEquals(4, trust.mounts().size());
    }

    @Test
    void theDirectoryAndFilesAreWorldReadableAndEachIsBoundReadOnlyAtItsPath() throws Exception {
        Path directory = temp.resolve("trust");
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));

        SandboxTrust trust = trustFiles.write(resource("egress-ca.pem"), Optional.empty(), directory);

        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        assertEquals(List.of(
                new SandboxBindMount(directory.resolve("ca-certificates.crt"), "/etc/ssl/certs/ca-certificates.crt", true),
                new SandboxBindMount(directory.resolve("cacerts"), "/etc/ssl/certs/java/cacerts", true),
                new SandboxBindMount(directory.resolve("egress-ca.crt"), "/etc/wharf/egress-ca.crt", true),
                new SandboxBindMount(directory.resolve("extra-ca.crt"), "/etc/wharf/extra-ca.crt", true)),
                trust.mounts());
        for (SandboxBindMount mount : trust.mounts()) {
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(mount.source())),
                    mount.source().toString());
        }
    }

    @Test
    void anEgressCaFileWithoutACertificateIsRefusedAndNamed() throws IOException {
        Path empty = Files.writeString(temp.resolve("ca.crt"), "");
        Path key = Files.writeString(temp.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        SandboxException none = assertThrows(SandboxException.class,
                () -> trustFiles.write(empty, Optional.empty(), temp.resolve("trust")));
        assertTrue(none.getMessage().contains(empty.toString()), none.getMessage());
        SandboxException notCertificate = assertThrows(SandboxException.class,
                () -> trustFiles.write(resource("egress-ca.pem"), Optional.of(key), temp.resolve("trust")));
        assertTrue(notCertificate.getMessage().contains("upstream CA bundle"), notCertificate.getMessage());
        SandboxException missing = assertThrows(SandboxException.class,
                () -> trustFiles.write(temp.resolve("absent.crt"), Optional.empty(), temp.resolve("trust")));
        assertTrue(missing.getMessage().contains("absent.crt"), missing.getMessage());
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SandboxTrustFilesTest.class.getResource("/trust/" + name).toURI());
    }

    private static List<X509Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            return certificates;
        }
    }

    private static List<X509Certificate> jdkRoots() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        return List.copyOf(Set.of(((X509TrustManager) factory.getTrustManagers()[0]).getAcceptedIssuers()));
    }

    private static Certificate certificate(KeyStore store, String alias) {
        try {
            return store.getCertificate(alias);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final List<String> FILES = List.of("ca-certificates.crt", "cacerts", "egress-ca.crt", "extra-ca.crt");

    private static List<byte[]> contents(Path directory) throws IOException {
        List<byte[]> contents = new ArrayList<>();
        for (String file : FILES) {
            contents.add(Files.readAllBytes(directory.resolve(file)));
        }
        return contents;
    }

    private static List<FileTime> modified(Path directory) throws IOException {
        List<FileTime> times = new ArrayList<>();
        for (String file : FILES) {
            times.add(Files.getLastModifiedTime(directory.resolve(file)));
        }
        return times;
    }

    private static List<Object> inodes(Path directory) throws IOException {
        List<Object> inodes = new ArrayList<>();
        for (String file : FILES) {
            inodes.add(Files.getAttribute(directory.resolve(file), "unix:ino"));
        }
        return inodes;
    }
}
