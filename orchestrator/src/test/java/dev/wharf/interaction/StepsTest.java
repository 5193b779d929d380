package dev.wharf.interaction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wharf.model.Message;
import dev.wharf.model.Part;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepsTest {
    @Test
    void builtInToolsSurfaceAsTheirOwnStepTypes() {
        List<JsonObject> steps = Steps.fromModelTurn(List.of(new Part.Thought("plan"), new Part.Text("Let me run it."),
                new Part.ToolCall("c1", "execute_code", new JsonObject().put("language", "bash").put("code", "ls")),
                new Part.ToolCall("c2", "browse", new JsonObject().put("url", "https://example.org")),
                new Part.ToolCall("c3", "get_weather", new JsonObject().put("city", "Oslo"))));
        assertEquals(List.of("thought", "model_output", "code_execution_call", "url_context_call", "function_call"),
                steps.stream().map(s -> s.getString("type")).toList());
        assertEquals("ls", steps.get(2).getJsonObject("arguments").getString("code"));
        assertEquals("https://example.org", steps.get(3).getJsonObject("arguments").getJsonArray("urls").getString(0));
        assertEquals("Oslo", steps.get(4).getJsonObject("arguments").getString("city"));
    }

    @Test
    void codeResultsReadAsOutputWithTheExitCodeKept() {
        JsonObject failed = Steps.codeExecutionResult("c1",
                new JsonObject().put("exit_code", 2).put("stdout", "partial\n").put("stderr", "boom\n").encode(), true);
        assertEquals("partial\nboom\n\n[exit code 2]", failed.getString("result"));
        assertEquals(2, failed.getInteger("x_exit_code"));
        JsonObject ok = Steps.codeExecutionResult("c1",
                new JsonObject().put("exit_code", 0).put("stdout", "42\n").put("stderr", "").encode(), false);
        assertEquals("42\n", ok.getString("result"));
        assertEquals("plain", Steps.codeExecutionResult("c1", "plain", false).getString("result"));
    }

    @Test
    void stepsBecomeAConversationWithMergedTurnsAndNoThoughts() {
        List<JsonObject> steps = List.of(
                CreateInteraction.userInput(new JsonArray().add(CreateInteraction.textContent("hi"))),
                Steps.thought("private"),
                Steps.modelOutput("checking"),
                Steps.toolCall(new Part.ToolCall("c1", "execute_code", new JsonObject().put("code", "ls"))),
                Steps.codeExecutionResult("c1", "a.txt\n", false),
                Steps.modelOutput("done"));
        List<Message> conversation = Steps.toConversation(steps);
        assertEquals(List.of(Message.Role.USER, Message.Role.ASSISTANT, Message.Role.TOOL, Message.Role.ASSISTANT),
                conversation.stream().map(Message::role).toList());
        assertEquals(2, conversation.get(1).parts().size(), "text and tool call form one assistant turn");
        Part.ToolResult result = (Part.ToolResult) conversation.get(2).parts().get(0);
        assertEquals("execute_code", result.name());
        assertEquals("a.txt\n", result.result());
    }

    @Test
    void everyPublicInputFormBecomesSteps() {
        assertEquals("user_input", CreateInteraction.inputSteps("hi").get(0).getString("type"));
        assertEquals(1, CreateInteraction.inputSteps(new JsonObject().put("type", "text").put("text", "x")).size());
        assertEquals(2, CreateInteraction.inputSteps(new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "x"))
                .add(new JsonObject().put("type", "image").put("data", "AA").put("mime_type", "image/png")))
                .get(0).getJsonArray("content").size());
        assertEquals("function_result", CreateInteraction.inputSteps(new JsonArray().add(new JsonObject()
                .put("type", "function_result").put("call_id", "c").put("result", "r"))).get(0).getString("type"));
    }
}
