package dev.wharf.model;

import java.time.Duration;
import java.util.Optional;

/** Hand-built provider settings for unit tests: short timeouts, explicit keys, no environment lookups. */
final class TestEndpoints {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    static final Duration QUEUE_TIMEOUT = Duration.ofSeconds(5);

    private TestEndpoints() {
    }

    record OpenAi(String baseUrl, Optional<String> apiKey, Duration requestTimeout, Duration connectTimeout,
                  int maxConnections, Optional<String> maxTokensField) implements ModelConfig.OpenAi {
        @Override
        public Duration queueTimeout() {
            return QUEUE_TIMEOUT;
        }
    }

    record Anthropic(String baseUrl, Optional<String> apiKey, Duration requestTimeout, Duration connectTimeout,
                     int maxConnections, String apiVersion, int defaultMaxTokens) implements ModelConfig.Anthropic {
        @Override
        public Duration queueTimeout() {
            return QUEUE_TIMEOUT;
        }
    }

    record Gemini(String baseUrl, Optional<String> apiKey, Duration requestTimeout, Duration connectTimeout,
                  int maxConnections, String apiVersion) implements ModelConfig.Gemini {
        @Override
        public Duration queueTimeout() {
            return QUEUE_TIMEOUT;
        }
    }

    static OpenAi openAi(String baseUrl, String apiKey) {
        return openAi(baseUrl, apiKey, REQUEST_TIMEOUT);
    }

    static OpenAi openAi(String baseUrl, String apiKey, Duration requestTimeout) {
        return new OpenAi(baseUrl, Optional.ofNullable(apiKey), requestTimeout, CONNECT_TIMEOUT, 8, Optional.empty());
    }

    static Anthropic anthropic(String baseUrl, String apiKey) {
        return new Anthropic(baseUrl, Optional.ofNullable(apiKey), REQUEST_TIMEOUT, CONNECT_TIMEOUT, 8, "2023-06-01", 1024);
    }

    static Gemini gemini(String baseUrl, String apiKey) {
        return new Gemini(baseUrl, Optional.ofNullable(apiKey), REQUEST_TIMEOUT, CONNECT_TIMEOUT, 8, "v1beta");
    }
}
