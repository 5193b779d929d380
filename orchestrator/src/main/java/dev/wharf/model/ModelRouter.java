package dev.wharf.model;

import dev.wharf.api.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Resolves Wharf model ids, {@code provider/model}, to the provider bean that serves them. Only the first
 * {@code /} separates: {@code openai/meta-llama/Llama-3-8B} is model {@code meta-llama/Llama-3-8B} on the
 * {@code openai} provider. Every {@link ModelProvider} bean is a provider; adding one needs no change here.
 */
@ApplicationScoped
public class ModelRouter {
    private final Map<String, ModelProvider> providers;

    @Inject
    public ModelRouter(Instance<ModelProvider> providers) {
        this((Iterable<ModelProvider>) providers);
    }

    ModelRouter(Iterable<ModelProvider> providers) {
        Map<String, ModelProvider> byName = new TreeMap<>();
        for (ModelProvider provider : providers) {
            ModelProvider previous = byName.put(provider.name(), provider);
            if (previous != null) {
                throw new IllegalStateException("two model providers are named " + provider.name());
            }
        }
        this.providers = Map.copyOf(byName);
    }

    /** The provider names this Wharf knows, sorted. */
    public Set<String> providers() {
        return new TreeSet<>(providers.keySet());
    }

    /** @throws ApiException INVALID_ARGUMENT when the id is malformed or names an unknown provider. */
    public ResolvedModel resolve(String modelId) {
        if (modelId == null || modelId.isBlank()) {
            throw ApiException.invalidArgument("model is required, as provider/model" + knownProviders());
        }
        int slash = modelId.indexOf('/');
        if (slash <= 0 || slash == modelId.length() - 1) {
            throw ApiException.invalidArgument("model '" + modelId + "' must be provider/model, e.g. openai/gpt-4o-mini"
                    + knownProviders());
        }
        String providerName = modelId.substring(0, slash);
        ModelProvider provider = providers.get(providerName);
        if (provider == null) {
            throw ApiException.invalidArgument("model '" + modelId + "' names unknown provider '" + providerName + "'"
                    + knownProviders());
        }
        return new ResolvedModel(provider, modelId.substring(slash + 1));
    }

    private String knownProviders() {
        return "; known providers: " + String.join(", ", providers());
    }
}
