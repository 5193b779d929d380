package dev.wharf.model;

/**
 * A model id resolved to the provider that serves it. {@code model} is the provider's own name for the model
 * (everything after the first {@code /}); it goes into {@link ModelRequest#model()}.
 */
public record ResolvedModel(ModelProvider provider, String model) {

    /** The full Wharf model id, {@code provider/model}. */
    public String id() {
        return provider.name() + "/" + model;
    }
}
