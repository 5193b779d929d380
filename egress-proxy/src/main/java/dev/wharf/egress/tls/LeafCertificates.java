package dev.wharf.egress.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.NetUtil;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues, and caches per host, the certificates the proxy presents to sandboxes when it terminates their TLS. All
 * leaves share one key made at start: issuing is then a signature, cheap enough for the event loop.
 */
public final class LeafCertificates {

    private static final Duration VALIDITY = Duration.ofDays(7);
    /** Reissued well before expiry, so a long-lived connection never meets an expired certificate. */
    private static final Duration REISSUE_AFTER = Duration.ofDays(3);
    /** Bounds memory against a sandbox that asks for endless names; the cache is simply rebuilt. */
    private static final int MAX_CACHED = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CertificateAuthority ca;
    private final KeyPair leafKey;
    private final Map<String, Issued> cache = new ConcurrentHashMap<>();

    private record Issued(SslContext context, Instant at) {
    }

    public LeafCertificates(CertificateAuthority ca) {
        this.ca = ca;
        try {
            this.leafKey = CertificateAuthority.ecKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the leaf key: " + e.getMessage(), e);
        }
    }

    /** A server context presenting a certificate for {@code name} (normalized) and offering only HTTP/1.1. */
    public SslContext serverContext(String name) {
        Instant now = Instant.now();
        Issued issued = cache.get(name);
        if (issued != null && issued.at().plus(REISSUE_AFTER).isAfter(now)) {
            return issued.context();
        }
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        Issued fresh = new Issued(issue(name, now), now);
        cache.put(name, fresh);
        return fresh.context();
    }

    private SslContext issue(String name, Instant now) {
        try {
            X509Certificate caCert = ca.certificate();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
            Date notAfter = Date.from(now.plus(VALIDITY));
            if (notAfter.after(caCert.getNotAfter())) {
                notAfter = caCert.getNotAfter();
            }
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(name);
            GeneralName san = ip != null
                    ? new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(ip))
                    : new GeneralName(GeneralName.dNSName, name);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509CertificateHolder holder = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()), new BigInteger(127, RANDOM),
                    Date.from(now.minus(Duration.ofHours(1))), notAfter, subject, leafKey.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(caCert))
                    .build(new JcaContentSignerBuilder(CertificateAuthority.SIGNATURE).build(ca.key()));
            X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(holder);
            return SslContextBuilder.forServer(leafKey.getPrivate(), leaf, caCert)
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a certificate for " + name + ": " + e.getMessage(), e);
        }
    }

    /** Proves possession instead of comparing encodings, so any key type a restored CA uses is handled alike. */
    static boolean keyMatches(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
        byte[] probe = new byte[32];
        RANDOM.nextBytes(probe);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(cert.getPublicKey());
        verifier.update(probe);
        return verifier.verify(signature);
    }
}
