package dev.wharf.egress.policy;

import java.util.List;

/** A refresh-token grant the proxy exchanges for an access token, sent as {@code <headerName>: <prefix> <token>}. */
public record OAuth2Grant(String cacheKey, String tokenUrl, String clientId, String clientSecret, String refreshToken,
                          List<String> scopes, String headerName, String prefix) {

    @Override
    public String toString() {
        return "OAuth2Grant[cacheKey=" + cacheKey + ", tokenUrl=" + tokenUrl + ", headerName=" + headerName + "]";
    }
}
