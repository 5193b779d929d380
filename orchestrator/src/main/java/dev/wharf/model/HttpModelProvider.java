package dev.wharf.model;

import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;

/**
 * What every provider shares: its name (the model-id prefix), its endpoint configuration and one pooled HTTP
 * client for it, closed with the bean. Subclasses supply the protocol: URLs, headers and the codec.
 */
/* Providers are @Singleton: no client proxy, so no no-argument constructor is needed here. */
abstract class HttpModelProvider<C extends ModelConfig.Endpoint> implements ModelProvider {
    private final String name;
    protected final C config;
    protected final ModelHttpClient http;

    protected HttpModelProvider(Vertx vertx, String name, C config) {
        this.name = name;
        this.config = config;
        this.http = new ModelHttpClient(vertx, name, config);
    }

    @PreDestroy
    void close() {
        http.close();
    }

    @Override
    public String name() {
        return name;
    }
}
