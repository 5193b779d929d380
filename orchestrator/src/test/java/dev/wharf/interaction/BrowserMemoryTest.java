package dev.wharf.interaction;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.egress.EgressProxy;
import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.support.Api;
import dev.wharf.support.EgressSandboxes;
import dev.wharf.support.EgressTestProfile;
import dev.wharf.support.EgressUpstreams;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A sandbox too small for a browser: 96 MiB holds the daemon but not headless Chromium, whose processes the kernel
 * kills at the limit. The agent's browse call says so (the memory limit, what a browser needs) instead of waiting
 * out its deadline for a renderer that is gone, and the sandbox lives on.
 */
@QuarkusTest
@TestProfile(BrowserMemoryTest.SmallSandboxes.class)
@QuarkusTestResource(ScriptedModel.class)
class BrowserMemoryTest {

    public static class SmallSandboxes extends EgressTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("wharf.sandbox.memory", "96m");
            return config;
        }
    }

    @Inject
    EgressProxy proxy;

    @Test
    void aBrowserKilledForMemorySaysSoAndTheSandboxLivesOn() {
        EgressSandboxes.awaitProxy(proxy);
        EgressUpstreams.get().page("small", "<html><body><p>Too big to see</p></body></html>");
        ScriptedOpenAiServer model = ScriptedModel.server();
        model.reset();
        model.replyToolCall("browse", "{\"url\":\"http://shop-a.test/page/small\"}")
                .replyToolCall("execute_code", "{\"language\":\"bash\",\"code\":\"echo still here\"}")
                .reply("The sandbox is too small for a browser.");

        // In the background: a sandbox start, a browser start and a command can outlast one HTTP request's wait.
        String id = given().contentType(ContentType.JSON).body(Map.of("agent", "default", "background", true,
                        "input", "Read http://shop-a.test/page/small",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model"),
                        "environment", Map.of("type", "remote", "network",
                                Map.of("allowlist", List.of(Map.of("domain", "shop-a.test"))))))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        JsonPath done = Api.awaitEnd(id, Duration.ofMinutes(3));

        JsonPath finished = done;
        assertEquals("completed", done.getString("status"), finished::prettify);
        List<String> browsed = done.getList("steps.findAll { it.type == 'url_context_result' }.x_text");
        assertEquals(1, browsed.size(), finished::prettify);
        assertTrue(browsed.get(0).contains("the browser ran out of memory"), browsed.get(0));
        assertTrue(browsed.get(0).contains("memory limit (96 MiB)"), browsed.get(0));
        List<String> outputs = done.getList("steps.findAll { it.type == 'code_execution_result' }.result");
        assertTrue(outputs.toString().contains("still here"), finished::prettify);
        given().delete("/v1/environments/" + done.getString("environment_id"));
    }
}
