package dev.wharf.interaction;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.model.ScriptedReply;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Agent interactions: the loop runs in a real sandbox, driven by a scripted model through the gateway. */
@QuarkusTest
class AgentInteractionTest {
    static final String CSV_SCRIPT = "import csv, os\nos.makedirs('out', exist_ok=True)\n"
            + "with open('out/report.csv', 'w', newline='') as f:\n    w = csv.writer(f)\n"
            + "    w.writerow(['city', 'temp'])\n    w.writerow(['Paris', 21])\n    w.writerow(['Oslo', 9])\nprint('rows: 2')\n";

    ScriptedOpenAiServer model;

    @BeforeEach
    void reset() {
        model = ScriptedModel.server();
        model.reset();
    }

    static Map<String, Object> agentTask(String input, Object... extra) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("agent", "default", "input", input,
                "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model")));
        for (int i = 0; i < extra.length; i += 2) {
            body.put((String) extra[i], extra[i + 1]);
        }
        return body;
    }

    @Test
    void agentWritesACsvWithPythonAndTheCallerDownloadsIt() throws Exception {
        model.replyToolCall("execute_code", new JsonObject().put("language", "python").put("code", CSV_SCRIPT).encode())
                .reply("I wrote out/report.csv with two rows.");
        ExtractableResponse<Response> done = given().contentType(ContentType.JSON)
                .body(agentTask("Make a CSV of city temperatures"))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed"))
                .body("agent", equalTo("default"))
                .body("steps.type", hasItem("code_execution_call"))
                .body("steps.type", hasItem("code_execution_result"))
                .body("steps.find { it.type == 'code_execution_result' }.is_error", equalTo(false))
                .body("steps.find { it.type == 'code_execution_result' }.result", equalTo("rows: 2\n"))
                .body("steps.find { it.type == 'code_execution_result' }.x_exit_code", equalTo(0))
                .body("steps[-1].type", equalTo("model_output"))
                .body("x_artifacts.path", hasItem("out/report.csv"))
                .extract();
        String environment = done.path("environment_id");
        String sha = done.path("x_artifacts.find { it.path == 'out/report.csv' }.sha256");
        byte[] csv = given().queryParam("alt", "media")
                .get("/v1/environments/" + environment + "/files/out/report.csv").then().statusCode(200)
                .extract().asByteArray();
        assertEquals("city,temp\r\nParis,21\r\nOslo,9\r\n", new String(csv));
        assertEquals(sha, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(csv)));
        given().get("/v1/environments/" + environment).then().statusCode(200)
                .body("file_count", equalTo("1")).body("size_bytes", equalTo(String.valueOf(csv.length)));

        // The model saw the tool result, and was offered the built-in tools.
        JsonObject second = model.requests().get(1);
        JsonArray messages = second.getJsonArray("messages");
        JsonObject toolMessage = messages.getJsonObject(messages.size() - 1);
        assertEquals("tool", toolMessage.getString("role"));
        assertTrue(toolMessage.getString("content").contains("rows: 2"), toolMessage.encode());
        List<String> offered = second.getJsonArray("tools").stream()
                .map(t -> ((JsonObject) t).getJsonObject("function").getString("name")).toList();
        assertTrue(offered.containsAll(List.of("execute_code", "read_file", "write_file", "browse")), offered.toString());
        // The provider got the credential; no process in the sandbox (daemon included) has it.
        assertEquals("Bearer " + ScriptedModel.API_KEY, model.recorded().get(0).header("authorization"));
        given().contentType(ContentType.JSON).body(Map.of("command",
                        "for e in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$e\"; done 2>/dev/null"
                                + " | grep -c '" + ScriptedModel.API_KEY + "'; env | grep -c WHARF_SANDBOX_TOKEN"))
                .post("/v1/environments/" + environment + ":exec").then().statusCode(200)
                .body("stdout", equalTo("0\n0\n"));
    }

    @Test
    void savedAgentBringsItsInstructionsToolsConfigAndStartingFiles() {
        String name = "analyst-" + System.nanoTime();
        given().contentType(ContentType.JSON).body(Map.of("id", name, "base_agent", "default",
                        "description", "Reads the brief first",
                        "system_instruction", "Always read brief.txt before anything else.",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model"),
                        "base_environment", Map.of("sources", List.of(Map.of("type", "inline",
                                "target", "brief.txt", "content", "Count to three.")))))
                .post("/v1/agents").then().statusCode(200).body("id", equalTo(name));
        given().get("/v1/agents").then().statusCode(200).body("agents.id", hasItem(name))
                .body("agents.id", hasItem("default"));

        model.replyToolCall("read_file", "{\"path\":\"brief.txt\"}").reply("1, 2, 3");
        given().contentType(ContentType.JSON).body(Map.of("agent", name, "input", "Do the brief"))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed"))
                .body("agent", equalTo(name))
                .body("steps.find { it.type == 'function_result' }.result", equalTo("Count to three."));
        String system = model.requests().get(0).getJsonArray("messages").getJsonObject(0).getString("content");
        assertTrue(system.contains("Always read brief.txt"), system);

        given().delete("/v1/agents/" + name).then().statusCode(200);
        given().get("/v1/agents/" + name).then().statusCode(404).body("error.status", equalTo("NOT_FOUND"));
        given().delete("/v1/agents/default").then().statusCode(400).body("error.status", equalTo("FAILED_PRECONDITION"));
    }

    @Test
    void secondTurnReusesTheEnvironmentAndItsFiles() {
        model.replyToolCall("write_file", new JsonObject().put("path", "notes.txt").put("content", "remember 42").encode())
                .reply("Saved.")
                .replyToolCall("read_file", new JsonObject().put("path", "notes.txt").encode())
                .reply("The note says 42.");
        ExtractableResponse<Response> first = given().contentType(ContentType.JSON).body(agentTask("Save a note"))
                .post("/v1/interactions").then().statusCode(200).body("status", equalTo("completed")).extract();
        given().contentType(ContentType.JSON)
                .body(agentTask("What does the note say?", "previous_interaction_id", first.path("id")))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed"))
                .body("environment_id", equalTo(first.path("environment_id")))
                .body("steps.find { it.type == 'function_result' }.result", equalTo("remember 42"))
                .body("steps[-1].content[0].text", equalTo("The note says 42."));
    }

    @Test
    void clientFunctionRoundTripResumesTheAgentInTheSameEnvironment() {
        Map<String, Object> tool = Map.of("type", "function", "name", "approve", "description", "Ask a human",
                "parameters", Map.of("type", "object", "properties", Map.of("plan", Map.of("type", "string"))));
        model.replyToolCall("approve", "{\"plan\":\"delete temp files\"}")
                .replyToolCall("execute_code", new JsonObject().put("language", "bash")
                        .put("code", "echo approved > decision.txt").encode())
                .reply("Done after approval.");
        ExtractableResponse<Response> paused = given().contentType(ContentType.JSON)
                .body(agentTask("Clean up, but ask first", "tools", List.of(tool)))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("requires_action"))
                .body("steps[-1].type", equalTo("function_call"))
                .body("steps[-1].name", equalTo("approve")).extract();
        String callId = paused.path("steps[-1].id");
        given().contentType(ContentType.JSON).body(Map.of("agent", "default", "tools", List.of(tool),
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model"),
                        "previous_interaction_id", paused.path("id"),
                        "input", List.of(Map.of("type", "function_result", "call_id", callId, "name", "approve",
                                "result", "approved"))))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed"))
                .body("environment_id", equalTo(paused.path("environment_id")));
        given().queryParam("alt", "media").get("/v1/environments/" + paused.path("environment_id")
                + "/files/decision.txt").then().statusCode(200).body(equalTo("approved\n"));
    }

    @Test
    void tokenBudgetEndsTheRunInBudgetExceeded() {
        model.usage(400, 200, 0)
                .replyToolCall("execute_code", "{\"language\":\"bash\",\"code\":\"echo one\"}")
                .replyToolCall("execute_code", "{\"language\":\"bash\",\"code\":\"echo two\"}")
                .reply("never reached");
        given().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "loop",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model", "max_total_tokens", "1000")))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("budget_exceeded"))
                .body("usage.total_tokens", equalTo(1200))
                .body("errors[0].code", equalTo("budget_exceeded"));
    }

    @Test
    void stepLimitEndsTheRunIncomplete() {
        model.respondWith(request -> ScriptedReply.toolCall("execute_code", "{\"language\":\"bash\",\"code\":\"true\"}"));
        given().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "never stop",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model", "max_steps", 2)))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("incomplete"))
                .body("errors[0].code", equalTo("max_steps"));
    }

    @Test
    void timeoutEndsTheRunIncompleteAndKeepsTheFiles() {
        model.replyToolCall("execute_code", "{\"language\":\"bash\",\"code\":\"echo partial > progress.txt; sleep 120\"}");
        ExtractableResponse<Response> done = given().contentType(ContentType.JSON)
                .body(Map.of("agent", "default", "input", "slow work",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model", "timeout_seconds", 8)))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("incomplete"))
                .body("errors[0].code", equalTo("deadline_exceeded"))
                .extract();
        given().queryParam("alt", "media").get("/v1/environments/" + done.path("environment_id")
                + "/files/progress.txt").then().statusCode(200).body(equalTo("partial\n"));
    }

    @Test
    void cancelStopsARunningAgentAndKeepsItsFiles() throws InterruptedException {
        model.replyToolCall("execute_code", "{\"language\":\"bash\",\"code\":\"echo started > work.txt; sleep 120\"}")
                .reply("never reached");
        String id = given().contentType(ContentType.JSON).body(agentTask("long job", "background", true))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        String env = null;
        for (int i = 0; i < 200; i++) {
            JsonObject now = new JsonObject(given().get("/v1/interactions/" + id).then().extract().asString());
            env = now.getString("environment_id");
            boolean running = now.getJsonArray("steps").stream()
                    .anyMatch(s -> "code_execution_call".equals(((JsonObject) s).getString("type")));
            if (running) {
                break;
            }
            Thread.sleep(100);
        }
        Thread.sleep(1000);
        long start = System.nanoTime();
        given().post("/v1/interactions/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5000, "cancel answers within seconds");
        given().queryParam("alt", "media").get("/v1/environments/" + env + "/files/work.txt")
                .then().statusCode(200).body(equalTo("started\n"));
        // The sleep was killed: nothing is left running in the sandbox.
        given().contentType(ContentType.JSON).body(Map.of("command", "pgrep -x sleep || echo none"))
                .post("/v1/environments/" + env + ":exec").then().statusCode(200).body("stdout", equalTo("none\n"));
    }

    @Test
    void providerFailureDuringAnAgentRunFailsItClearly() {
        model.fail(503, "upstream overloaded");
        given().contentType(ContentType.JSON).body(agentTask("anything"))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("errors[0].code", equalTo("model_error"))
                .body("errors[0].message", org.hamcrest.Matchers.containsString("upstream overloaded"));
    }

    @Test
    void sandboxThatDiesFailsTheInteraction() throws Exception {
        model.replyToolCall("execute_code", "{\"language\":\"bash\",\"code\":\"sleep 120\"}");
        String id = given().contentType(ContentType.JSON).body(agentTask("doomed", "background", true))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        String env = null;
        for (int i = 0; i < 200 && env == null; i++) {
            Thread.sleep(100);
            JsonObject now = new JsonObject(given().get("/v1/interactions/" + id).then().extract().asString());
            boolean running = now.getJsonArray("steps").stream()
                    .anyMatch(s -> "code_execution_call".equals(((JsonObject) s).getString("type")));
            env = running ? now.getString("environment_id") : null;
        }
        Process kill = new ProcessBuilder("docker", "kill", "wharf-" + org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("wharf.sandbox.deployment", String.class) + "-" + env).start();
        assertEquals(0, kill.waitFor());
        String status = "in_progress";
        for (int i = 0; i < 150 && status.equals("in_progress"); i++) {
            Thread.sleep(100);
            status = given().get("/v1/interactions/" + id).then().extract().path("status");
        }
        assertEquals("failed", status);
        given().get("/v1/interactions/" + id).then()
                .body("errors[0].code", equalTo("sandbox_error"))
                .body("errors[0].message", org.hamcrest.Matchers.containsString("killed"));
    }
}
