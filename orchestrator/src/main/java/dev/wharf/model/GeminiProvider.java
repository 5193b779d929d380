package dev.wharf.model;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;

/** Model ids {@code gemini/<model>}: the Gemini API at {@code wharf.models.gemini.base-url}. */
@Singleton
public class GeminiProvider extends HttpModelProvider<ModelConfig.Gemini> {
    static final String NAME = "gemini";
    private static final String KEY_VARIABLE = "GEMINI_API_KEY";

    @Inject
    public GeminiProvider(Vertx vertx, ModelConfig config) {
        this(vertx, config.gemini());
    }

    GeminiProvider(Vertx vertx, ModelConfig.Gemini config) {
        super(vertx, NAME, config);
    }

    @Override
    public Uni<ModelResponse> generate(ModelRequest request) {
        return Uni.createFrom().deferred(() -> http.postJson(url(request, "generateContent"), headers(),
                        GeminiCodec.request(request)))
                .map(GeminiCodec::response);
    }

    @Override
    public Multi<ModelEvent> stream(ModelRequest request) {
        return Multi.createFrom().deferred(() -> http.postSse(url(request, "streamGenerateContent") + "?alt=sse",
                headers(), GeminiCodec.request(request), () -> new GeminiCodec.StreamDecoder(NAME)));
    }

    private String url(ModelRequest request, String method) {
        return http.baseUrl() + "/" + config.apiVersion() + "/" + GeminiCodec.modelPath(request.model()) + ":" + method;
    }

    /** The key goes in a header, never in the URL, so it cannot leak into logs of the request line. */
    private MultiMap headers() {
        return MultiMap.caseInsensitiveMultiMap().add("x-goog-api-key", http.requireApiKey(KEY_VARIABLE));
    }
}
