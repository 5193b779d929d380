package dev.wharf.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Writes the trust files a sandbox with an egress proxy needs, into one host directory, and says where each is bound
 * in the container (read-only):
 *
 * <pre>
 * ca-certificates.crt  -> /etc/ssl/certs/ca-certificates.crt   PEM: platform roots + upstream CAs + egress CA
 * cacerts              -> /etc/ssl/certs/java/cacerts          JKS: the same certificates
 * egress-ca.crt        -> /etc/wharf/egress-ca.crt             PEM: the egress CA alone
 * extra-ca.crt         -> /etc/wharf/extra-ca.crt              PEM: upstream CAs + egress CA (what clients with
 *                                                              their own root store add: Node, Chromium)
 * </pre>
 *
 * The bundle replaces Debian's, which curl, git, OpenSSL, Python (ssl, urllib, requests, pip) read; the JKS replaces
 * the JRE's default trust store, so Java code trusts the same set with no option. The platform roots are the
 * control plane's JDK default trusted roots ({@link TrustManagerFactory} over a null KeyStore): a sandbox trusts
 * what the control plane trusts, plus the operator's upstream CAs (for servers behind tunnelled domains) and the
 * egress CA (for domains the proxy terminates).
 *
 * <p>Same inputs, same bytes: certificates are deduplicated and ordered (platform roots by SHA-256 fingerprint, then
 * the upstream CAs in file order, then the egress CA), and the JKS is serialised here with each entry dated by its
 * certificate's notBefore (the JDK's KeyStore would stamp the current time). A file whose bytes are already right is
 * left alone, so a restart rewrites nothing; a changed one is replaced atomically (temporary file, then rename).
 * Running sandboxes keep the files they were started with (a file bind pins the inode), new ones get the new set.
 * The directory is 0755 and the files 0644: they hold only public certificates. All calls block (disk).
 */
public final class SandboxTrustFiles {

    public static final String BUNDLE_FILE = "ca-certificates.crt";
    public static final String JAVA_TRUST_STORE_FILE = "cacerts";
    public static final String EGRESS_CA_FILE = "egress-ca.crt";
    public static final String EXTRA_CA_FILE = "extra-ca.crt";

    /** Debian's CA bundle, the default of OpenSSL, curl, git, Python's ssl and Debian's requests and pip. */
    public static final String BUNDLE_PATH = "/etc/ssl/certs/ca-certificates.crt";
    /** Debian's JRE default trust store ({@code $JAVA_HOME/lib/security/cacerts} links here). */
    public static final String JAVA_TRUST_STORE_PATH = "/etc/ssl/certs/java/cacerts";
    public static final String EGRESS_CA_PATH = "/etc/wharf/egress-ca.crt";
    /** The sandbox image's browse tool imports every certificate here into Chromium's NSS store for each launch. */
    public static final String EXTRA_CA_PATH = "/etc/wharf/extra-ca.crt";

    /**
     * The password the JKS integrity digest is computed with: the JDK's and Debian's conventional one, so
     * {@code keytool -list -storepass changeit} verifies it. Readers need none (the JRE opens its default trust
     * store with a null password, which skips the digest).
     */
    static final String JKS_PASSWORD = "changeit";
    private static final int JKS_MAGIC = 0xFEEDFEED;
    private static final int JKS_VERSION = 2;
    private static final int JKS_TRUSTED_CERT = 2;
    /** Salt of the JKS digest, fixed by the format (sun.security.provider.JavaKeyStore). */
    private static final byte[] JKS_DIGEST_SALT = "Mighty Aphrodite".getBytes(StandardCharsets.UTF_8);
    private static final String PARTIAL_SUFFIX = ".partial";
    private static final int PEM_LINE = 64;

    private final List<X509Certificate> platformRoots;

    /** @param platformRoots the public roots every sandbox trusts, in any order (duplicates are dropped) */
    public SandboxTrustFiles(List<X509Certificate> platformRoots) {
        this.platformRoots = List.copyOf(platformRoots);
    }

    /** Trusting what this JVM trusts by default: its cacerts, or {@code javax.net.ssl.trustStore} where set. */
    public static SandboxTrustFiles withJdkRoots() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager) {
                    return new SandboxTrustFiles(Arrays.asList(((X509TrustManager) manager).getAcceptedIssuers()));
                }
            }
            throw new IllegalStateException("the JDK's default TrustManagerFactory has no X509TrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the JDK's default trusted roots: " + e.getMessage(), e);
        }
    }

    /**
     * Writes (or confirms) the four files in {@code directory}, creating it if needed.
     *
     * @param egressCa   PEM file with the egress proxy's CA certificate (the proxy writes {@code <state-dir>/ca.crt})
     * @param upstreamCa optional PEM bundle of the operator's upstream CAs ({@code wharf.egress.upstream-ca})
     * @throws SandboxException when an input is unreadable or holds no certificate, or the directory is not writable
     */
    public SandboxTrust write(Path egressCa, Optional<Path> upstreamCa, Path directory) {
        List<X509Certificate> egress = readCertificates(egressCa, "the egress proxy's CA");
        List<X509Certificate> upstream = upstreamCa.map(file -> readCertificates(file, "the upstream CA bundle"))
                .orElse(List.of());

        Map<String, X509Certificate> all = new LinkedHashMap<>();
        platformRoots.stream()
                .sorted(Comparator.comparing(SandboxTrustFiles::fingerprint))
                .forEach(root -> all.putIfAbsent("platform-" + shortFingerprint(root), root));
        upstream.forEach(ca -> putNew(all, "upstream-" + shortFingerprint(ca), ca));
        egress.forEach(ca -> putNew(all, egress.size() == 1 ? "wharf-egress-ca" : "wharf-egress-ca-"
                + shortFingerprint(ca), ca));
        List<X509Certificate> extra = new ArrayList<>(upstream);
        extra.addAll(egress);

        Path target = directory.toAbsolutePath();
        try {
            Files.createDirectories(target);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            removeLeftovers(target);
            replace(target.resolve(EGRESS_CA_FILE), pem(distinct(egress)));
            replace(target.resolve(EXTRA_CA_FILE), pem(distinct(extra)));
            replace(target.resolve(BUNDLE_FILE), pem(List.copyOf(all.values())));
            replace(target.resolve(JAVA_TRUST_STORE_FILE), jks(all));
        } catch (IOException | UncheckedIOException | UnsupportedOperationException e) {
            throw new SandboxException("cannot write the sandbox trust files under " + target + ": "
                    + e.getMessage(), e);
        }
        return new SandboxTrust(target, mounts(target));
    }

    /** Where each file goes, read-only; the same for every sandbox. */
    public static List<SandboxBindMount> mounts(Path directory) {
        Path source = directory.toAbsolutePath();
        return List.of(
                new SandboxBindMount(source.resolve(BUNDLE_FILE), BUNDLE_PATH, true),
                new SandboxBindMount(source.resolve(JAVA_TRUST_STORE_FILE), JAVA_TRUST_STORE_PATH, true),
                new SandboxBindMount(source.resolve(EGRESS_CA_FILE), EGRESS_CA_PATH, true),
                new SandboxBindMount(source.resolve(EXTRA_CA_FILE), EXTRA_CA_PATH, true));
    }

    /** Every certificate of a PEM (or DER) file; anything else in it (a CRL, a key) is refused. */
    private static List<X509Certificate> readCertificates(Path file, String what) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (!(certificate instanceof X509Certificate)) {
                    throw new CertificateException("not an X.509 certificate: " + certificate.getType());
                }
                certificates.add((X509Certificate) certificate);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot read " + what + " at " + file + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new SandboxException(what + " at " + file + " is not a PEM (or DER) X.509 certificate file: "
                    + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new SandboxException(what + " at " + file + " holds no certificate", null);
        }
        return certificates;
    }

    private static void putNew(Map<String, X509Certificate> all, String alias, X509Certificate certificate) {
        if (all.values().stream().noneMatch(present -> Arrays.equals(der(present), der(certificate)))) {
            all.put(alias, certificate);
        }
    }

    private static List<X509Certificate> distinct(List<X509Certificate> certificates) {
        Map<String, X509Certificate> seen = new LinkedHashMap<>();
        certificates.forEach(certificate -> seen.putIfAbsent(fingerprint(certificate), certificate));
        return List.copyOf(seen.values());
    }

    static byte[] pem(List<X509Certificate> certificates) {
        Base64.Encoder base64 = Base64.getMimeEncoder(PEM_LINE, new byte[] {'\n'});
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            text.append("-----BEGIN CERTIFICATE-----\n")
                    .append(base64.encodeToString(der(certificate)))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The JKS format as the JDK writes it (trusted-certificate entries only), with fixed dates. Aliases are already
     * lower case and unique, as JKS requires.
     */
    static byte[] jks(Map<String, X509Certificate> entries) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(JKS_MAGIC);
            out.writeInt(JKS_VERSION);
            out.writeInt(entries.size());
            for (Map.Entry<String, X509Certificate> entry : entries.entrySet()) {
                byte[] encoded = der(entry.getValue());
                out.writeInt(JKS_TRUSTED_CERT);
                out.writeUTF(entry.getKey());
                out.writeLong(entry.getValue().getNotBefore().getTime());
                out.writeUTF(entry.getValue().getType());
                out.writeInt(encoded.length);
                out.write(encoded);
            }
            out.flush();
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            for (char c : JKS_PASSWORD.toCharArray()) {
                sha1.update((byte) (c >> 8));
                sha1.update((byte) c);
            }
            sha1.update(JKS_DIGEST_SALT);
            sha1.update(bytes.toByteArray());
            out.write(sha1.digest());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK", e);
        }
    }

    /** Leaves a file with the right bytes untouched; otherwise writes a sibling and renames it over the target. */
    private static void replace(Path target, byte[] content) throws IOException {
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
            return;
        }
        Path partial = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", PARTIAL_SUFFIX);
        try {
            Files.write(partial, content);
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Temporary files of a write that crashed before its rename. */
    private static void removeLeftovers(Path directory) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory, ".*" + PARTIAL_SUFFIX)) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    private static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal()
                    + " cannot be encoded: " + e.getMessage(), e);
        }
    }

    static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der(certificate)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String shortFingerprint(X509Certificate certificate) {
        return fingerprint(certificate).substring(0, 16);
    }
}
