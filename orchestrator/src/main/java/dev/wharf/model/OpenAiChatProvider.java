package dev.wharf.model;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;
import java.net.URI;

/**
 * Model ids {@code openai/<model>}: the Chat Completions API of OpenAI or of any compatible server (vLLM,
 * Ollama, llama.cpp, LiteLLM) at {@code wharf.models.openai.base-url}. The key is optional so local servers
 * work without one; only api.openai.com itself insists on it.
 */
@Singleton
public class OpenAiChatProvider extends HttpModelProvider<ModelConfig.OpenAi> {
    static final String NAME = "openai";
    private static final String KEY_VARIABLE = "OPENAI_API_KEY";
    private static final String OPENAI_HOST = "api.openai.com";

    @Inject
    public OpenAiChatProvider(Vertx vertx, ModelConfig config) {
        this(vertx, config.openai());
    }

    OpenAiChatProvider(Vertx vertx, ModelConfig.OpenAi config) {
        super(vertx, NAME, config);
    }

    @Override
    public Uni<ModelResponse> generate(ModelRequest request) {
        return Uni.createFrom().deferred(() -> http.postJson(url(), headers(),
                        OpenAiChatCodec.request(request, maxTokensField(), false)))
                .map(OpenAiChatCodec::response);
    }

    @Override
    public Multi<ModelEvent> stream(ModelRequest request) {
        return Multi.createFrom().deferred(() -> http.postSse(url(), headers(),
                OpenAiChatCodec.request(request, maxTokensField(), true),
                () -> new OpenAiChatCodec.StreamDecoder(NAME)));
    }

    private String url() {
        return http.baseUrl() + "/chat/completions";
    }

    private MultiMap headers() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        if (isOpenAi()) {
            headers.add("Authorization", "Bearer " + http.requireApiKey(KEY_VARIABLE));
        } else {
            // Local servers usually need no key; send one only if configured (LiteLLM, hosted vLLM do check).
            config.apiKey().filter(key -> !key.isBlank())
                    .ifPresent(key -> headers.add("Authorization", "Bearer " + key));
        }
        return headers;
    }

    private String maxTokensField() {
        return config.maxTokensField().filter(field -> !field.isBlank())
                .orElse(isOpenAi() ? "max_completion_tokens" : "max_tokens");
    }

    private boolean isOpenAi() {
        try {
            return OPENAI_HOST.equalsIgnoreCase(URI.create(http.baseUrl()).getHost());
        } catch (IllegalArgumentException invalid) {
            return false;
        }
    }
}
