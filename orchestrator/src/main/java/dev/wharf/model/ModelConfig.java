package dev.wharf.model;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the model providers are and how Wharf talks to them. Credentials live only here, in the control
 * plane; sandboxes never see them. Defaults follow each vendor's usual environment variables, so a plain
 * {@code OPENAI_API_KEY=... ./wharf} works without touching application.properties.
 */
@ConfigMapping(prefix = "wharf.models")
public interface ModelConfig {

    /** OpenAI Chat Completions, or any server speaking it (vLLM, Ollama, llama.cpp, LiteLLM): model ids {@code openai/...}. */
    OpenAi openai();

    /** Anthropic Messages API: model ids {@code anthropic/...}. */
    Anthropic anthropic();

    /** Gemini API (generateContent): model ids {@code gemini/...}. */
    Gemini gemini();

    /** What every provider needs: where it is, its credential, and how long Wharf waits for it. */
    interface Endpoint {

        /** Base URL of the provider's API, without a trailing slash. */
        String baseUrl();

        /** API key; empty means none is sent (fine for local OpenAI-compatible servers). */
        Optional<String> apiKey();

        /** Longest silence on a model call: no first byte (or, streaming, no next chunk) within it fails the call. */
        @WithDefault("120s")
        Duration requestTimeout();

        /** How long opening a TCP/TLS connection to the provider may take. */
        @WithDefault("10s")
        Duration connectTimeout();

        /** Concurrent HTTP/1.1 connections to the provider; further calls queue for a free one. */
        @WithDefault("64")
        int maxConnections();

        /**
         * Longest a call waits for one of max-connections to come free before it fails as a model error. Model
         * calls are long, so a burst larger than max-connections queues for whole call durations.
         */
        @WithDefault("60s")
        Duration queueTimeout();
    }

    interface OpenAi extends Endpoint {

        /** Base URL including the version path; OPENAI_BASE_URL, or api.openai.com. */
        @Override
        @WithDefault("${OPENAI_BASE_URL:https://api.openai.com/v1}")
        String baseUrl();

        /** Bearer token; OPENAI_API_KEY. Required only for api.openai.com. */
        @Override
        @WithDefault("${OPENAI_API_KEY:}")
        Optional<String> apiKey();

        /**
         * Request field carrying the output-token limit. Empty picks {@code max_completion_tokens} for
         * api.openai.com (its reasoning models reject the older field) and {@code max_tokens} elsewhere,
         * which every compatible server understands.
         */
        Optional<String> maxTokensField();
    }

    interface Anthropic extends Endpoint {

        /** Base URL without the version path; ANTHROPIC_BASE_URL, or api.anthropic.com. */
        @Override
        @WithDefault("${ANTHROPIC_BASE_URL:https://api.anthropic.com}")
        String baseUrl();

        /** Sent as x-api-key; ANTHROPIC_API_KEY. Required. */
        @Override
        @WithDefault("${ANTHROPIC_API_KEY:}")
        Optional<String> apiKey();

        /** Value of the anthropic-version header. */
        @WithDefault("2023-06-01")
        String apiVersion();

        /** max_tokens sent when the request sets no limit: the Messages API requires one. */
        @WithDefault("8192")
        int defaultMaxTokens();
    }

    interface Gemini extends Endpoint {

        /** Base URL without the version path; GEMINI_BASE_URL, or generativelanguage.googleapis.com. */
        @Override
        @WithDefault("${GEMINI_BASE_URL:https://generativelanguage.googleapis.com}")
        String baseUrl();

        /** Sent as x-goog-api-key; GEMINI_API_KEY. Required. */
        @Override
        @WithDefault("${GEMINI_API_KEY:}")
        Optional<String> apiKey();

        /** API version path segment; v1beta carries tools, JSON Schema parameters and thinking. */
        @WithDefault("v1beta")
        String apiVersion();
    }
}
