package dev.wharf.runtime.gateway;

import static dev.wharf.runtime.FakeGateway.Reply.textPart;
import static dev.wharf.runtime.FakeGateway.Reply.toolCall;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.FakeGateway;
import dev.wharf.runtime.FakeGateway.Reply;
import dev.wharf.runtime.files.Artifact;
import dev.wharf.runtime.tools.ToolImage;
import dev.wharf.runtime.tools.ToolOutput;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The gateway protocol from the runtime's side, against the fake gateway over real HTTP. */
class GatewayClientTest {

    private static final Duration WINDOW = Duration.ofSeconds(10);

    private FakeGateway gateway;

    @AfterEach
    void closeGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aModelTurnYieldsItsToolCallsInOrder() throws Exception {
        gateway = FakeGateway.start().script(Reply.turn(textPart("let me look"),
                toolCall("c1", "read_file", Map.of("path", "a.txt")),
                Map.of("type", "thought", "text", "hmm"),
                toolCall("c2", "get_weather", Map.of("city", "Oslo"))));

        ModelTurn turn = client(WINDOW).nextTurn(List.of(Map.of("name", "read_file")));

        assertEquals(List.of(new ToolCall("c1", "read_file", Map.of("path", "a.txt")),
                new ToolCall("c2", "get_weather", Map.of("city", "Oslo"))), turn.toolCalls());
        assertEquals("tool_calls", turn.finishReason());
        assertEquals(Map.of("tools", List.of(Map.of("name", "read_file"))), gateway.modelRequests().get(0));
    }

    @Test
    void toolResultsAndTheFinishReportHaveTheAgreedShape() throws Exception {
        gateway = FakeGateway.start();
        GatewayClient client = client(WINDOW);

        client.reportToolResults(List.of(
                new ToolReport("c1", "execute_code", ToolOutput.error("{\"exit_code\":1}")),
                new ToolReport("c2", "browse", ToolOutput.success("page").withImage(new ToolImage("image/png", "iVBO")))));
        client.finish(new RunFinish("failed", "model_error", "overloaded",
                List.of(new Artifact("out/a.csv", "text/csv", 3, "ab12"))));

        assertEquals(List.of(List.of(
                Map.of("call_id", "c1", "name", "execute_code", "result", "{\"exit_code\":1}", "is_error", true),
                Map.of("call_id", "c2", "name", "browse", "result", "page", "is_error", false,
                        "images", List.of(Map.of("mime_type", "image/png", "data", "iVBO"))))),
                gateway.toolResultBatches());
        assertEquals(Map.of("status", "failed", "error", Map.of("code", "model_error", "message", "overloaded"),
                "artifacts", List.of(Map.of("path", "out/a.csv", "mime_type", "text/csv", "size_bytes", 3,
                        "sha256", "ab12"))), gateway.finish());
    }

    @ParameterizedTest
    @CsvSource({"400, FAILED_PRECONDITION, RUN_ENDED", "429, RESOURCE_EXHAUSTED, RUN_ENDED",
            "400, INVALID_ARGUMENT, FAILED", "503, UNAVAILABLE, FAILED", "500, INTERNAL, FAILED"})
    void errorAnswersAreClassifiedAndNotRetried(int status, String statusName, GatewayException.Reason reason) {
        gateway = FakeGateway.start().script(Reply.error(status, statusName, "because"));

        GatewayException failure = assertThrows(GatewayException.class, () -> client(WINDOW).nextTurn(List.of()));

        assertEquals(reason, failure.reason());
        assertEquals("because", failure.getMessage());
        assertEquals("/model", failure.call());
        assertEquals(1, gateway.modelCalls());
    }

    @Test
    void theRunTokenIsSent() {
        gateway = FakeGateway.start();
        GatewayClient wrongToken = new GatewayClient(URI.create(gateway.runUrl("r1")), "not-the-token", WINDOW);

        GatewayException failure = assertThrows(GatewayException.class, () -> wrongToken.nextTurn(List.of()));

        assertEquals(GatewayException.Reason.FAILED, failure.reason());
        // A 401 to a streamed POST leaves HttpURLConnection without the body: the status is the message.
        assertEquals("HTTP 401", failure.getMessage());
    }

    @Test
    void aGatewayThatComesUpLateIsWaitedFor() throws Exception {
        gateway = FakeGateway.startLater(Duration.ofMillis(1200));

        ModelTurn turn = client(WINDOW).nextTurn(List.of());

        assertEquals(List.of(), turn.toolCalls());
        assertEquals(1, gateway.modelCalls());
    }

    @Test
    void aGatewayThatGoesAwayForAWhileIsWaitedFor() throws Exception {
        gateway = FakeGateway.start().unreachableAfterModelCall(1, Duration.ofMillis(1200));
        GatewayClient client = client(WINDOW);
        client.nextTurn(List.of());

        client.reportToolResults(List.of(new ToolReport("c1", "list_files", ToolOutput.success("a"))));

        assertEquals(1, gateway.toolResultBatches().size());
    }

    @Test
    void aGatewayUnreachableForTheWholeWindowIsGivenUp() {
        String url = "http://127.0.0.1:" + FakeGateway.unusedPort() + "/v1/runs/r1";
        GatewayClient client = new GatewayClient(URI.create(url), FakeGateway.TOKEN, Duration.ofMillis(800));

        long started = System.nanoTime();
        GatewayException failure = assertThrows(GatewayException.class, () -> client.nextTurn(List.of()));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(GatewayException.Reason.UNREACHABLE, failure.reason());
        assertTrue(took.compareTo(Duration.ofMillis(700)) > 0 && took.compareTo(Duration.ofSeconds(3)) < 0,
                "gave up after " + took);
    }

    @Test
    void interruptingAndAbortingEndsABlockedCallAtOnce() throws Exception {
        gateway = FakeGateway.start().script(Reply.text("slow").after(Duration.ofSeconds(30)));
        GatewayClient client = client(WINDOW);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                client.nextTurn(List.of());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        caller.start();
        while (gateway.modelCalls() == 0) {
            Thread.sleep(20);
        }

        caller.interrupt();
        client.abortCurrentCall();
        caller.join(Duration.ofSeconds(2).toMillis());

        assertTrue(!caller.isAlive(), "the call is still blocked");
        assertTrue(outcome.get() instanceof InterruptedIOException, String.valueOf(outcome.get()));
    }

    private GatewayClient client(Duration window) {
        return new GatewayClient(URI.create(gateway.runUrl("r1")), FakeGateway.TOKEN, window);
    }
}
