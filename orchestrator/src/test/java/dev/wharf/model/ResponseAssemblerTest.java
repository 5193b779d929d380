package dev.wharf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseAssemblerTest {

    @Test
    void deltasMergeIntoPartsInProductionOrder() {
        ResponseAssembler reply = new ResponseAssembler();
        reply.thought("Let me ");
        reply.thought("think.");
        reply.text("Hel");
        reply.text("lo");
        reply.toolCall("c1", "f", new JsonObject().put("x", 1));
        reply.text("after");
        ModelResponse response = reply.build(new Usage(1, 2, 3), "tool_calls");
        assertEquals(List.of(new Part.Thought("Let me think."), new Part.Text("Hello"),
                new Part.ToolCall("c1", "f", new JsonObject().put("x", 1)), new Part.Text("after")), response.parts());
        assertEquals(new Usage(1, 2, 3), response.usage());
    }

    @Test
    void aTurnEndingInToolCallsReportsToolCallsEvenWhenTheProviderSaysStop() {
        ResponseAssembler reply = new ResponseAssembler();
        reply.toolCall("c1", "f", new JsonObject());
        assertEquals("tool_calls", reply.build(Usage.NONE, "stop").finishReason());
        assertEquals("length", new ResponseAssembler().build(Usage.NONE, "length").finishReason());
        assertEquals("stop", new ResponseAssembler().build(Usage.NONE, null).finishReason());
    }

    @Test
    void callsWithoutAnIdGetOne() {
        ResponseAssembler reply = new ResponseAssembler();
        reply.toolCall(null, "f", null);
        reply.toolCall("", "g", null);
        List<Part> parts = reply.build(Usage.NONE, null).parts();
        String first = ((Part.ToolCall) parts.get(0)).id();
        String second = ((Part.ToolCall) parts.get(1)).id();
        assertTrue(first.startsWith(ResponseAssembler.GENERATED_ID_PREFIX), first);
        assertNotEquals(first, second);
        assertEquals(new JsonObject(), ((Part.ToolCall) parts.get(0)).arguments());
    }

    @Test
    void argumentsThatAreNotAJsonObjectAreKeptRaw() {
        assertEquals(new JsonObject().put("a", 1), ResponseAssembler.parseArguments("{\"a\":1}"));
        assertEquals(new JsonObject(), ResponseAssembler.parseArguments(""));
        assertEquals(new JsonObject().put("_raw", "{\"a\":"), ResponseAssembler.parseArguments("{\"a\":"));
        assertEquals(new JsonObject().put("_raw", "[1,2]"), ResponseAssembler.parseArguments("[1,2]"));
    }
}
