package dev.wharf.egress.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * TLS from the proxy to upstreams: the JDK's trust store plus the operator's extra CAs, with the host name checked
 * against the certificate, so a terminated connection is never weaker than the sandbox's own would have been.
 */
public final class UpstreamTls {

    private final SslContext context;

    private UpstreamTls(SslContext context) {
        this.context = context;
    }

    /** @param extraCaFile null: the JDK's trust store alone */
    public static UpstreamTls create(Path extraCaFile) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int n = 0;
            for (var manager : defaults.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate cert : x509.getAcceptedIssuers()) {
                        trust.setCertificateEntry("jdk-" + n++, cert);
                    }
                }
            }
            if (extraCaFile != null) {
                List<X509Certificate> extra = Pem.readCertificates(
                        Files.readString(extraCaFile, StandardCharsets.US_ASCII));
                if (extra.isEmpty()) {
                    throw new IOException("no certificate in " + extraCaFile);
                }
                for (X509Certificate cert : extra) {
                    trust.setCertificateEntry("extra-" + n++, cert);
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            return new UpstreamTls(SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .trustManager(factory)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read WHARF_EGRESS_UPSTREAM_CA " + extraCaFile + ": "
                    + e.getMessage(), e);
        }
    }

    /** A client handler sending SNI {@code host} and verifying the certificate names {@code host}. */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        SSLEngine engine = context.newEngine(alloc, host, port);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return new SslHandler(engine);
    }
}
