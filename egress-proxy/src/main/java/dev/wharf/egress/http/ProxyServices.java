package dev.wharf.egress.http;

import dev.wharf.egress.inject.AccessTokens;
import dev.wharf.egress.limit.SandboxQuotas;
import dev.wharf.egress.log.RequestLog;
import dev.wharf.egress.tls.LeafCertificates;
import dev.wharf.egress.upstream.Upstreams;

/**
 * What every client connection shares.
 *
 * @param maxBodyBytes the largest request body buffered for replacement; larger ones stream through unchanged
 * @param maxInitialLineBytes longest request line accepted (414 beyond)
 * @param maxHeaderBytes largest header block accepted (431 beyond)
 * @param idleSeconds a connection with no traffic either way for this long is closed
 */
public record ProxyServices(Routes routes, Upstreams upstreams, AccessTokens tokens, LeafCertificates leaves,
                            RequestLog log, SandboxQuotas quotas, int maxBodyBytes, int maxInitialLineBytes,
                            int maxHeaderBytes, int idleSeconds) {

    io.netty.handler.codec.http.HttpServerCodec serverCodec() {
        return new io.netty.handler.codec.http.HttpServerCodec(maxInitialLineBytes, maxHeaderBytes, 8192);
    }
}
