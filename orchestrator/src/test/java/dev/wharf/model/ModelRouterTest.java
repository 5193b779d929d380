package dev.wharf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.ApiException;
import dev.wharf.api.ApiStatus;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRouterTest {
    private final ModelProvider openai = new NamedProvider("openai");
    private final ModelProvider anthropic = new NamedProvider("anthropic");
    private final ModelProvider gemini = new NamedProvider("gemini");
    private final ModelRouter router = new ModelRouter(List.of(openai, anthropic, gemini));

    @Test
    void splitsAtTheFirstSlashOnly() {
        ResolvedModel llama = router.resolve("openai/meta-llama/Llama-3-8B");
        assertSame(openai, llama.provider());
        assertEquals("meta-llama/Llama-3-8B", llama.model());
        assertEquals("openai/meta-llama/Llama-3-8B", llama.id());

        ResolvedModel claude = router.resolve("anthropic/claude-sonnet-4-5");
        assertSame(anthropic, claude.provider());
        assertEquals("claude-sonnet-4-5", claude.model());
        assertSame(gemini, router.resolve("gemini/gemini-2.5-flash").provider());
    }

    @Test
    void unknownProviderIsAnInvalidArgumentListingTheKnownOnes() {
        ApiException error = assertThrows(ApiException.class, () -> router.resolve("mistral/large"));
        assertEquals(ApiStatus.INVALID_ARGUMENT, error.status());
        assertTrue(error.getMessage().contains("'mistral'"), error.getMessage());
        assertTrue(error.getMessage().contains("anthropic, gemini, openai"), error.getMessage());
    }

    @Test
    void malformedIdsAreInvalidArguments() {
        for (String id : new String[] {null, "", "gpt-4o", "openai/", "/gpt-4o"}) {
            ApiException error = assertThrows(ApiException.class, () -> router.resolve(id), String.valueOf(id));
            assertEquals(ApiStatus.INVALID_ARGUMENT, error.status());
            assertTrue(error.getMessage().contains("known providers: anthropic, gemini, openai"), error.getMessage());
        }
    }

    @Test
    void twoProvidersWithOneNameAreRejectedAtStart() {
        assertThrows(IllegalStateException.class,
                () -> new ModelRouter(List.of(openai, new NamedProvider("openai"))));
    }

    private record NamedProvider(String name) implements ModelProvider {
        @Override
        public Uni<ModelResponse> generate(ModelRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Multi<ModelEvent> stream(ModelRequest request) {
            throw new UnsupportedOperationException();
        }
    }
}
