package dev.wharf.model;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;

/** Model ids {@code anthropic/<model>}: the Anthropic Messages API at {@code wharf.models.anthropic.base-url}. */
@Singleton
public class AnthropicProvider extends HttpModelProvider<ModelConfig.Anthropic> {
    static final String NAME = "anthropic";
    private static final String KEY_VARIABLE = "ANTHROPIC_API_KEY";

    @Inject
    public AnthropicProvider(Vertx vertx, ModelConfig config) {
        this(vertx, config.anthropic());
    }

    AnthropicProvider(Vertx vertx, ModelConfig.Anthropic config) {
        super(vertx, NAME, config);
    }

    @Override
    public Uni<ModelResponse> generate(ModelRequest request) {
        return Uni.createFrom().deferred(() -> http.postJson(url(), headers(),
                        AnthropicMessagesCodec.request(request, config.defaultMaxTokens(), false)))
                .map(AnthropicMessagesCodec::response);
    }

    @Override
    public Multi<ModelEvent> stream(ModelRequest request) {
        return Multi.createFrom().deferred(() -> http.postSse(url(), headers(),
                AnthropicMessagesCodec.request(request, config.defaultMaxTokens(), true),
                () -> new AnthropicMessagesCodec.StreamDecoder(NAME)));
    }

    private String url() {
        return http.baseUrl() + "/v1/messages";
    }

    private MultiMap headers() {
        return MultiMap.caseInsensitiveMultiMap()
                .add("x-api-key", http.requireApiKey(KEY_VARIABLE))
                .add("anthropic-version", config.apiVersion());
    }
}
