package dev.wharf.egress.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

/**
 * The installation's own CA, which signs the certificates the proxy presents when it terminates a sandbox's TLS.
 * Sandboxes trust it; its key never leaves the state directory, readable by the proxy's user alone.
 */
public final class CertificateAuthority {

    static final String SIGNATURE = "SHA256withECDSA";
    private static final Duration VALIDITY = Duration.ofDays(3653);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    PrivateKey key() {
        return key;
    }

    /**
     * Reuses {@code ca.crt}/{@code ca.key} in {@code stateDir}, or creates them when both are absent.
     *
     * @throws IllegalStateException when they are partly there, unreadable or do not belong together: never
     *         overwritten, since sandboxes already trust the existing CA
     */
    public static CertificateAuthority loadOrCreate(Path stateDir) {
        Path certFile = stateDir.resolve("ca.crt");
        Path keyFile = stateDir.resolve("ca.key");
        boolean hasCert = Files.exists(certFile);
        boolean hasKey = Files.exists(keyFile);
        if (hasCert && hasKey) {
            return load(certFile, keyFile);
        }
        if (hasCert || hasKey) {
            throw new IllegalStateException("CA in " + stateDir + " is incomplete (" + (hasCert ? keyFile : certFile)
                    + " is missing); restore it, or remove both files to create a new CA that sandboxes must trust anew");
        }
        try {
            return create(stateDir, certFile, keyFile);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("cannot create the CA in " + stateDir + ": " + e.getMessage(), e);
        }
    }

    private static CertificateAuthority load(Path certFile, Path keyFile) {
        try {
            List<X509Certificate> certs = Pem.readCertificates(Files.readString(certFile, StandardCharsets.US_ASCII));
            if (certs.isEmpty()) {
                throw new IOException("no certificate in " + certFile);
            }
            PrivateKey key;
            try (Reader reader = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII)) {
                key = Pem.readPrivateKey(reader);
            }
            X509Certificate cert = certs.get(0);
            if (!LeafCertificates.keyMatches(cert, key)) {
                throw new IOException(keyFile + " is not the key of " + certFile);
            }
            return new CertificateAuthority(cert, key);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("cannot use the CA in " + certFile.getParent() + ": " + e.getMessage()
                    + " (not replaced: sandboxes trust it; fix or remove ca.crt and ca.key)", e);
        }
    }

    private static CertificateAuthority create(Path stateDir, Path certFile, Path keyFile)
            throws IOException, GeneralSecurityException {
        if (!Files.isDirectory(stateDir)) {
            Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
        KeyPair pair = ecKeyPair();
        byte[] id = new byte[4];
        RANDOM.nextBytes(id);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Wharf")
                .addRDN(BCStyle.CN, "Wharf egress CA (" + HexFormat.of().formatHex(id) + ")")
                .build();
        Instant now = Instant.now();
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(127, RANDOM),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false,
                        extensions.createSubjectKeyIdentifier(pair.getPublic()));
        X509Certificate cert;
        try {
            cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(pair.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
        // The key lands first and the certificate last: a crash between leaves an incomplete CA that is reported,
        // never a certificate whose key is lost.
        writeAtomically(keyFile, Pem.privateKey(pair.getPrivate()), "rw-------");
        writeAtomically(certFile, Pem.certificate(cert), "rw-r--r--");
        return new CertificateAuthority(cert, pair.getPrivate());
    }

    static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    /** Written under its final mode from the first byte, so the key is never readable by others, even briefly. */
    private static void writeAtomically(Path target, String content, String mode) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temp, content, StandardCharsets.US_ASCII);
            try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(mode));
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
