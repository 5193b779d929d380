package dev.wharf.egress.support;

import dev.wharf.egress.tls.Pem;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;

/** A CA made for one test run, and server certificates it signs: the upstreams' own PKI. */
public final class TestPki {

    public final X509Certificate caCert;
    private final KeyPair caKey;

    private TestPki(X509Certificate caCert, KeyPair caKey) {
        this.caCert = caCert;
        this.caKey = caKey;
    }

    public static TestPki create() throws Exception {
        KeyPair key = keyPair();
        X500Name name = new X500Name("CN=Upstream test CA");
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))), name, key.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        return new TestPki(cert, key);
    }

    /** A server context presenting one certificate naming all of {@code names}. */
    public SSLContext serverContext(String... names) throws Exception {
        KeyPair key = keyPair();
        Instant now = Instant.now();
        GeneralName[] sans = Arrays.stream(names).map(n -> new GeneralName(GeneralName.dNSName, n))
                .toArray(GeneralName[]::new);
        X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                new X500Name("CN=Upstream test CA"), BigInteger.valueOf(now.toEpochMilli() + 1),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
                new X500Name("CN=" + names[0]), key.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key.getPrivate(), "pw".toCharArray(), new Certificate[] {leaf, caCert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "pw".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    public Path writeCaPem(Path dir) throws Exception {
        Path file = dir.resolve("upstream-ca.pem");
        Files.writeString(file, Pem.certificate(caCert));
        return file;
    }

    /** A client context trusting exactly these CAs. */
    public static SSLContext trusting(X509Certificate... cas) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < cas.length; i++) {
            store.setCertificateEntry("ca" + i, cas[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }
}
