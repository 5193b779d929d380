package dev.wharf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The defaults resolve the vendors' environment variables, and fall back to the public endpoints. */
class ModelConfigTest {

    private static ModelConfig load(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ModelConfig.class)
                // As in Quarkus: the expression interceptor is what resolves ${OPENAI_BASE_URL:...} defaults.
                .addDefaultInterceptors()
                // Quarkus registers this converter itself; plain SmallRye only knows ISO-8601 durations.
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(ModelConfig.class);
    }

    @Test
    void defaultsPointAtThePublicEndpointsWithoutKeys() {
        ModelConfig config = load(Map.of());
        assertEquals("https://api.openai.com/v1", config.openai().baseUrl());
        assertEquals("https://api.anthropic.com", config.anthropic().baseUrl());
        assertEquals("https://generativelanguage.googleapis.com", config.gemini().baseUrl());
        assertEquals(Optional.empty(), config.openai().apiKey());
        assertEquals(Optional.empty(), config.anthropic().apiKey());
        assertEquals(Optional.empty(), config.gemini().apiKey());
        assertEquals(Duration.ofSeconds(120), config.openai().requestTimeout());
        assertEquals(Duration.ofSeconds(10), config.gemini().connectTimeout());
        assertEquals("2023-06-01", config.anthropic().apiVersion());
        assertEquals("v1beta", config.gemini().apiVersion());
        assertTrue(config.openai().maxTokensField().isEmpty());
    }

    @Test
    void vendorEnvironmentVariablesFillTheDefaults() {
        ModelConfig config = load(Map.of(
                "OPENAI_BASE_URL", "http://localhost:11434/v1", "OPENAI_API_KEY", "sk-o",
                "ANTHROPIC_BASE_URL", "http://proxy:1", "ANTHROPIC_API_KEY", "sk-a",
                "GEMINI_BASE_URL", "http://proxy:2", "GEMINI_API_KEY", "g-key"));
        assertEquals("http://localhost:11434/v1", config.openai().baseUrl());
        assertEquals(Optional.of("sk-o"), config.openai().apiKey());
        assertEquals("http://proxy:1", config.anthropic().baseUrl());
        assertEquals(Optional.of("sk-a"), config.anthropic().apiKey());
        assertEquals("http://proxy:2", config.gemini().baseUrl());
        assertEquals(Optional.of("g-key"), config.gemini().apiKey());
    }

    @Test
    void explicitPropertiesWinOverEnvironmentVariables() {
        ModelConfig config = load(Map.of(
                "OPENAI_API_KEY", "from-env",
                "wharf.models.openai.api-key", "from-property",
                "wharf.models.anthropic.request-timeout", "5s",
                "wharf.models.openai.max-tokens-field", "max_completion_tokens"));
        assertEquals(Optional.of("from-property"), config.openai().apiKey());
        assertEquals(Duration.ofSeconds(5), config.anthropic().requestTimeout());
        assertEquals(Duration.ofSeconds(120), config.openai().requestTimeout());
        assertEquals(Optional.of("max_completion_tokens"), config.openai().maxTokensField());
    }
}
