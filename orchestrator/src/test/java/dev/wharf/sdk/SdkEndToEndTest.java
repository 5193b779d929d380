package dev.wharf.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.genai.Client;
import com.google.genai.gaos.models.environments.CreateEnvironmentRequest;
import com.google.genai.gaos.models.environments.EnvironmentFile;
import com.google.genai.errors.ApiException;
import com.google.genai.gaos.models.errors.GaosBaseException;
import com.google.genai.gaos.models.errors.GetInteractionByIdClientError;
import com.google.genai.gaos.models.interactions.AgentOption;
import com.google.genai.gaos.models.interactions.CodeExecutionCallStep;
import com.google.genai.gaos.models.interactions.CodeExecutionResultStep;
import com.google.genai.gaos.models.interactions.CreateAgentInteraction;
import com.google.genai.gaos.models.interactions.CreateAgentInteractionEnvironment;
import com.google.genai.gaos.models.interactions.CreateModelInteraction;
import com.google.genai.gaos.models.interactions.DynamicAgentConfig;
import com.google.genai.gaos.models.interactions.Function;
import com.google.genai.gaos.models.interactions.FunctionCallStep;
import com.google.genai.gaos.models.interactions.FunctionResultStep;
import com.google.genai.gaos.models.interactions.FunctionResultStepResultUnion;
import com.google.genai.gaos.models.interactions.Interaction;
import com.google.genai.gaos.models.interactions.InteractionCompletedEvent;
import com.google.genai.gaos.models.interactions.InteractionCreatedEvent;
import com.google.genai.gaos.models.interactions.InteractionSSEEvent;
import com.google.genai.gaos.models.interactions.InteractionSSEStreamEvent;
import com.google.genai.gaos.models.interactions.InteractionSseEventInteractionStatus;
import com.google.genai.gaos.models.interactions.InteractionStatus;
import com.google.genai.gaos.models.interactions.InteractionsInput;
import com.google.genai.gaos.models.interactions.ModelOutputStep;
import com.google.genai.gaos.models.interactions.Source;
import com.google.genai.gaos.models.interactions.SourceType;
import com.google.genai.gaos.models.interactions.Step;
import com.google.genai.gaos.models.interactions.StepDelta;
import com.google.genai.gaos.models.interactions.StepStart;
import com.google.genai.gaos.models.interactions.StepStop;
import com.google.genai.gaos.models.interactions.TextContent;
import com.google.genai.gaos.models.interactions.TextDelta;
import com.google.genai.gaos.models.interactions.UnknownInteractionSSEEvent;
import com.google.genai.gaos.models.interactions.UnknownStep;
import com.google.genai.gaos.models.interactions.UnknownStepDeltaData;
import com.google.genai.gaos.models.operations.CreateInteractionRequestBody;
import com.google.genai.gaos.models.operations.CreateInteractionResponse;
import com.google.genai.gaos.models.operations.GetEnvironmentFilesRequest;
import com.google.genai.gaos.models.operations.GetInteractionByIdRequest;
import com.google.genai.gaos.utils.EventStream;
import com.google.genai.types.HttpOptions;
import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * End to end through the official Java SDK ({@code com.google.genai:google-genai}): the SDK is pointed at the
 * running server by its base URL only, and drives model and agent interactions (against the scripted model
 * server) and environments exactly as a user would. File bytes are fetched over plain HTTP with {@code alt=media},
 * since the Java SDK has no download call.
 */
@QuarkusTest
class SdkEndToEndTest {
    static final String AGENT_MODEL = "openai/agent-model";
    static final String CSV_SCRIPT = "import csv, os\nos.makedirs('out', exist_ok=True)\n"
            + "with open('out/report.csv', 'w', newline='') as f:\n    w = csv.writer(f)\n"
            + "    w.writerow(['city', 'temp'])\n    w.writerow(['Paris', 21])\n    w.writerow(['Oslo', 9])\n"
            + "print('rows: 2')\n";
    static final String CSV_BYTES = "city,temp\r\nParis,21\r\nOslo,9\r\n";
    static final Duration POLL_LIMIT = Duration.ofSeconds(60);

    @TestHTTPResource
    URL application;

    ScriptedOpenAiServer model;
    Client client;
    HttpClient http;
    String base;
    /** Environments the scenario made, deleted afterwards so no sandbox outlives its test. */
    final List<String> environments = new ArrayList<>();

    @BeforeEach
    void setUp() {
        model = ScriptedModel.server();
        model.reset();
        base = "http://localhost:" + application.getPort();
        client = Client.builder().apiKey(TestTenants.DEFAULT_KEY)
                .httpOptions(HttpOptions.builder().baseUrl(base).build()).build();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void tearDown() {
        for (String environment : environments) {
            try {
                client.environments.deleteEnvironment(environment);
            } catch (RuntimeException alreadyGone) {
                // The scenario deleted it itself, or never got that far.
            }
        }
        client.close();
    }

    // ---- 1. an agent writes a CSV with Python; the caller finds and downloads it ---------------------

    @Test
    void agentWritesACsvWithPythonAndTheCallerDownloadsIt() throws Exception {
        model.replyToolCall("execute_code", new JsonObject().put("language", "python").put("code", CSV_SCRIPT).encode())
                .reply("I wrote out/report.csv with two rows.");

        CreateInteractionResponse response = create(agentTask("Make a CSV of city temperatures").build());

        Interaction done = track(response.interaction().orElseThrow());
        assertEquals(InteractionStatus.COMPLETED, done.status().orElseThrow(), done.toString());
        assertEquals("default", done.agent().orElseThrow().value());
        List<Step> steps = assertKnown(done.steps().orElseThrow());
        CodeExecutionCallStep call = stepOf(steps, CodeExecutionCallStep.class);
        assertEquals(CSV_SCRIPT, call.arguments().orElseThrow().code().orElseThrow());
        CodeExecutionResultStep result = stepOf(steps, CodeExecutionResultStep.class);
        assertEquals(call.id(), result.callId());
        assertEquals(Optional.of(false), result.isError().map(Boolean::booleanValue));
        assertTrue(result.result().orElseThrow().contains("rows: 2"), result.toString());
        assertEquals("I wrote out/report.csv with two rows.", text(steps.get(steps.size() - 1)));

        // x_artifacts is a Wharf extension the SDK's Interaction type has no accessor for: read it raw.
        String id = done.id().orElseThrow();
        String environment = done.environmentId().orElseThrow();
        JsonObject raw = getJson("/v1beta/interactions/" + id);
        JsonObject artifact = find(raw.getJsonArray("x_artifacts"), a -> "out/report.csv".equals(a.getString("path")));
        assertNotNull(artifact, raw.encode());

        // The caller lists the environment's files through the SDK and downloads the CSV over HTTP.
        List<EnvironmentFile> files = listFiles(environment, "out");
        EnvironmentFile listed = files.stream().filter(f -> f.path().equals(Optional.of("out/report.csv")))
                .findFirst().orElseThrow(() -> new AssertionError("not listed: " + files));
        assertEquals(Optional.of(Integer.toString(CSV_BYTES.length())), listed.sizeBytes());
        // A nested file's own path answers its metadata as a one-entry listing.
        List<EnvironmentFile> one = listFiles(environment, "out/report.csv");
        assertEquals(1, one.size(), one.toString());
        assertEquals(Optional.of("out/report.csv"), one.get(0).path());
        byte[] csv = download(environment, "out/report.csv");
        assertArrayEquals(CSV_BYTES.getBytes(StandardCharsets.UTF_8), csv);
        assertEquals(artifact.getString("sha256"),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(csv)));
    }

    // ---- 2. a background agent task, polled to completion ------------------------------------------

    @Test
    void backgroundAgentTaskIsPolledUntilCompleted() throws Exception {
        model.enqueue(dev.wharf.model.ScriptedReply.toolCall("execute_code",
                        new JsonObject().put("language", "bash").put("code", "echo $((6*7))").encode())
                        .withDelay(500))
                .reply("The answer is 42.");

        Interaction accepted = create(agentTask("Compute 6*7 in the sandbox").background(true).build())
                .interaction().orElseThrow();
        String status = accepted.status().orElseThrow().value();
        assertTrue(status.equals("queued") || status.equals("in_progress"), status);

        Interaction done = track(awaitInteraction(accepted.id().orElseThrow(),
                i -> isTerminal(i.status().orElseThrow())));
        assertEquals(InteractionStatus.COMPLETED, done.status().orElseThrow(), done.toString());
        List<Step> steps = assertKnown(done.steps().orElseThrow());
        stepOf(steps, CodeExecutionCallStep.class);
        assertTrue(stepOf(steps, CodeExecutionResultStep.class).result().orElseThrow().contains("42"));
        assertEquals("The answer is 42.", text(steps.get(steps.size() - 1)));
        assertTrue(done.environmentId().isPresent(), done.toString());
    }

    // ---- 3. streams: a model interaction, resumed after an event id, and an agent task -------------

    @Test
    void streamedModelInteractionArrivesInOrderAndResumesAfterAnEventId() {
        String reply = "streamed words arrive in pieces";
        model.reply(reply);

        CreateInteractionResponse response = client.interactions.create(CreateInteractionRequestBody.of(
                CreateModelInteraction.builder().model("openai/m").input(InteractionsInput.of("stream please"))
                        .stream(true).build()));
        assertTrue(response.interaction().isEmpty(), "a stream has no JSON body");
        List<InteractionSSEEvent> events = readAll(response.events());

        assertOrdered(events);
        assertInstanceOf(InteractionCreatedEvent.class, events.get(0));
        InteractionCompletedEvent completed = assertInstanceOf(InteractionCompletedEvent.class,
                events.get(events.size() - 1));
        assertEquals(InteractionSseEventInteractionStatus.COMPLETED,
                completed.interaction().orElseThrow().status().orElseThrow());
        StringBuilder text = new StringBuilder();
        for (InteractionSSEEvent event : events) {
            if (event instanceof StepDelta delta && delta.delta().orElse(null) instanceof TextDelta t) {
                text.append(t.text().orElse(""));
            }
        }
        assertTrue(events.stream().filter(e -> e instanceof StepDelta).count() > 1, "text arrives in pieces");
        assertEquals(reply, text.toString());

        // Resume after an event in the middle: exactly the events after it, the same ones.
        String id = ((InteractionCreatedEvent) events.get(0)).interaction().orElseThrow().id().orElseThrow();
        int middle = events.size() / 2;
        List<InteractionSSEEvent> rest = readAll(client.interactions.get(GetInteractionByIdRequest.builder().id(id)
                .stream(true).lastEventId(eventId(events.get(middle))).build()).events());
        assertEquals(events.subList(middle + 1, events.size()), rest);

        // The stored interaction agrees with what was streamed.
        Interaction stored = client.interactions.get(GetInteractionByIdRequest.builder().id(id).build())
                .interaction().orElseThrow();
        assertEquals(InteractionStatus.COMPLETED, stored.status().orElseThrow());
        List<Step> steps = assertKnown(stored.steps().orElseThrow());
        assertEquals(reply, text(steps.get(steps.size() - 1)));
    }

    @Test
    void streamedAgentTaskDeliversCodeExecutionStepsLive() {
        String code = "echo started; sleep 3; echo finished";
        model.replyToolCall("execute_code", new JsonObject().put("language", "bash").put("code", code).encode())
                .reply("It ran.");

        CreateInteractionResponse response = create(agentTask("Run a slow command").stream(true).build());
        List<InteractionSSEEvent> events = new ArrayList<>();
        List<Long> arrivals = new ArrayList<>();
        try (EventStream<InteractionSSEStreamEvent> stream = response.events()) {
            for (InteractionSSEStreamEvent event : stream) {
                events.add(event.data().orElseThrow());
                arrivals.add(System.nanoTime());
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        if (!events.isEmpty() && events.get(0) instanceof InteractionCreatedEvent created) {
            track(client.interactions.get(GetInteractionByIdRequest.builder()
                    .id(created.interaction().orElseThrow().id().orElseThrow()).build()).interaction().orElseThrow());
        }

        assertOrdered(events);
        assertInstanceOf(InteractionCreatedEvent.class, events.get(0));
        InteractionCompletedEvent completed = assertInstanceOf(InteractionCompletedEvent.class,
                events.get(events.size() - 1));
        assertEquals(InteractionSseEventInteractionStatus.COMPLETED,
                completed.interaction().orElseThrow().status().orElseThrow());
        int callAt = indexOfStart(events, CodeExecutionCallStep.class);
        int resultAt = indexOfStart(events, CodeExecutionResultStep.class);
        assertTrue(callAt >= 0 && resultAt > callAt, types(events).toString());
        StepStart callStart = (StepStart) events.get(callAt);
        assertEquals(code, ((CodeExecutionCallStep) callStart.step().orElseThrow()).arguments().orElseThrow()
                .code().orElseThrow());
        StepStart resultStart = (StepStart) events.get(resultAt);
        assertTrue(((CodeExecutionResultStep) resultStart.step().orElseThrow()).result().orElseThrow()
                .contains("finished"), resultStart.toString());
        // Live: the call reached the caller while the command was still sleeping, not with the result.
        long gapMillis = (arrivals.get(resultAt) - arrivals.get(callAt)) / 1_000_000;
        assertTrue(gapMillis >= 2000, "the code_execution_call arrived only " + gapMillis + " ms before its result");
    }

    // ---- 4. a client function round trip with an agent ---------------------------------------------

    @Test
    void clientFunctionRoundTripResumesTheAgentInTheSameEnvironment() throws Exception {
        Function approve = Function.builder().name("approve").description("Ask a human")
                .parameters(Map.of("type", "object", "properties", Map.of("plan", Map.of("type", "string"))))
                .build();
        model.replyToolCall("approve", "{\"plan\":\"delete temp files\"}")
                .replyToolCall("execute_code", new JsonObject().put("language", "bash")
                        .put("code", "echo approved > decision.txt").encode())
                .reply("Done after approval.");

        Interaction paused = track(create(agentTask("Clean up, but ask first").tools(List.of(approve)).build())
                .interaction().orElseThrow());
        assertEquals(InteractionStatus.REQUIRES_ACTION, paused.status().orElseThrow(), paused.toString());
        List<Step> pausedSteps = assertKnown(paused.steps().orElseThrow());
        FunctionCallStep call = assertInstanceOf(FunctionCallStep.class, pausedSteps.get(pausedSteps.size() - 1));
        assertEquals(Optional.of("approve"), call.name());
        assertEquals("delete temp files", call.arguments().orElseThrow().get("plan"));
        String environment = paused.environmentId().orElseThrow();

        FunctionResultStep answer = FunctionResultStep.builder().callId(call.id().orElseThrow()).name("approve")
                .result(FunctionResultStepResultUnion.of("approved")).build();
        Interaction resumed = create(CreateAgentInteraction.builder().agent(AgentOption.of("default"))
                .agentConfig(agentConfig()).tools(List.of(approve))
                .previousInteractionId(paused.id().orElseThrow())
                .input(InteractionsInput.ofStep(List.of(answer))).build())
                .interaction().orElseThrow();
        assertEquals(InteractionStatus.COMPLETED, resumed.status().orElseThrow(), resumed.toString());
        assertEquals(Optional.of(environment), resumed.environmentId());
        assertEquals(paused.id(), resumed.previousInteractionId());
        List<Step> steps = assertKnown(resumed.steps().orElseThrow());
        assertEquals("Done after approval.", text(steps.get(steps.size() - 1)));

        // The model was told the caller's answer, and the work landed in the same environment.
        JsonArray messages = model.requests().get(1).getJsonArray("messages");
        JsonObject toolMessage = messages.getJsonObject(messages.size() - 1);
        assertEquals("tool", toolMessage.getString("role"));
        assertEquals(call.id().orElseThrow(), toolMessage.getString("tool_call_id"));
        assertEquals("approved", toolMessage.getString("content"));
        assertTrue(listFiles(environment, "decision.txt").stream()
                .anyMatch(f -> f.path().equals(Optional.of("decision.txt"))));
        assertEquals("approved\n", new String(download(environment, "decision.txt"), StandardCharsets.UTF_8));
    }

    // ---- 5. a two-turn model conversation ------------------------------------------------------------

    @Test
    void secondTurnCarriesTheFirstTurnsMessages() {
        model.reply("Nice to meet you, Ada.").reply("Your name is Ada.");

        Interaction first = client.interactions.create(CreateInteractionRequestBody.of(CreateModelInteraction.builder()
                .model("openai/m").input(InteractionsInput.of("I am Ada")).build())).interaction().orElseThrow();
        assertEquals(InteractionStatus.COMPLETED, first.status().orElseThrow());
        Interaction second = client.interactions.create(CreateInteractionRequestBody.of(CreateModelInteraction.builder()
                .model("openai/m").input(InteractionsInput.of("What is my name?"))
                .previousInteractionId(first.id().orElseThrow()).build())).interaction().orElseThrow();

        assertEquals(InteractionStatus.COMPLETED, second.status().orElseThrow());
        assertEquals(first.id(), second.previousInteractionId());
        List<Step> steps = second.steps().orElseThrow();
        assertEquals(1, steps.size(), "create returns only the new steps");
        assertEquals("Your name is Ada.", text(steps.get(0)));
        assertEquals("openai/m", second.model().orElseThrow().value());
        assertEquals(Optional.of(15), second.usage().orElseThrow().totalTokens());

        assertEquals(2, model.requestCount());
        List<String> sent = new ArrayList<>();
        model.requests().get(1).getJsonArray("messages").forEach(m -> sent.add(
                ((JsonObject) m).getString("role") + ":" + ((JsonObject) m).getValue("content")));
        assertEquals(List.of("user:I am Ada", "assistant:Nice to meet you, Ada.", "user:What is my name?"), sent);

        // Deleting the conversation's turns: afterwards the SDK reports them as not found.
        assertEquals(200, client.interactions.delete(second.id().orElseThrow()).statusCode());
        // (The SDK's typed error body stays empty: its Error.code is a string, ours the google.rpc number.)
        ApiException gone = assertThrows(GetInteractionByIdClientError.class,
                () -> client.interactions.get(GetInteractionByIdRequest.builder().id(second.id().orElseThrow()).build()));
        assertEquals(404, gone.code());
    }

    // ---- 6. cancelling a background agent task --------------------------------------------------------

    @Test
    void cancelStopsABackgroundAgentAndKeepsItsFiles() throws Exception {
        model.replyToolCall("execute_code",
                        new JsonObject().put("language", "bash").put("code", "echo started > work.txt; sleep 120").encode())
                .reply("never reached");

        Interaction accepted = create(agentTask("long job").background(true).build()).interaction().orElseThrow();
        String id = accepted.id().orElseThrow();
        Interaction running = awaitInteraction(id, i -> i.environmentId().isPresent()
                && i.steps().orElse(List.of()).stream().anyMatch(s -> s instanceof CodeExecutionCallStep));
        String environment = track(running.environmentId().orElseThrow());
        // Wait until the command has written its file (it is then sleeping).
        long deadline = System.nanoTime() + POLL_LIMIT.toNanos();
        while (listFilesOrEmpty(environment, "work.txt").isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "work.txt never appeared");
            Thread.sleep(200);
        }

        long start = System.nanoTime();
        Interaction cancelled = client.interactions.cancel(id).interaction().orElseThrow();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(InteractionStatus.CANCELLED, cancelled.status().orElseThrow(), cancelled.toString());
        assertTrue(tookMillis < 5000, "cancel took " + tookMillis + " ms");
        Interaction after = client.interactions.get(GetInteractionByIdRequest.builder().id(id).build())
                .interaction().orElseThrow();
        assertEquals(InteractionStatus.CANCELLED, after.status().orElseThrow());
        assertFalse(after.steps().orElseThrow().stream().anyMatch(s -> "never reached".equals(textOrNull(s))));

        assertEquals("started\n", new String(download(environment, "work.txt"), StandardCharsets.UTF_8));
        // Cancelling again answers the same.
        assertEquals(InteractionStatus.CANCELLED,
                client.interactions.cancel(id).interaction().orElseThrow().status().orElseThrow());
    }

    // ---- 7. a provider failure ---------------------------------------------------------------------

    @Test
    void providerFailureEndsFailedWithTheProvidersMessage() {
        model.fail(500, "boom");

        CreateInteractionResponse response = client.interactions.create(CreateInteractionRequestBody.of(
                CreateModelInteraction.builder().model("openai/m").input(InteractionsInput.of("hi")).build()));

        assertEquals(200, response.statusCode());
        Interaction failed = response.interaction().orElseThrow();
        assertEquals(InteractionStatus.FAILED, failed.status().orElseThrow(), failed.toString());
        List<com.google.genai.gaos.models.interactions.Error> errors = failed.errors().orElseThrow();
        assertFalse(errors.isEmpty());
        assertEquals(Optional.of("model_error"), errors.get(0).code());
        assertTrue(errors.get(0).message().orElseThrow().contains("boom"), errors.toString());
        Interaction stored = client.interactions.get(GetInteractionByIdRequest.builder().id(failed.id().orElseThrow())
                .build()).interaction().orElseThrow();
        assertEquals(InteractionStatus.FAILED, stored.status().orElseThrow());
    }

    // ---- 8. environments through the SDK -------------------------------------------------------------

    @Test
    void environmentLifecycleThroughTheSdk() throws Exception {
        String content = "hello from the sdk\n";
        var created = client.environments.createEnvironment(CreateEnvironmentRequest.builder()
                .sources(List.of(Source.builder().type(SourceType.INLINE).target("data/hello.txt").content(content)
                        .build()))
                .build()).environment().orElseThrow();
        String id = track(created.id().orElseThrow());
        assertEquals("active", created.status().orElseThrow().value());
        assertEquals(java.util.Optional.of("1"), created.fileCount(), "the inline source is counted");

        var got = client.environments.getEnvironment(id).environment().orElseThrow();
        assertEquals(Optional.of(id), got.id());
        assertEquals("active", got.status().orElseThrow().value());

        var listed = client.environments.listEnvironmentsDirect().listEnvironmentsResponse().orElseThrow();
        assertTrue(listed.environments().orElseThrow().stream().anyMatch(e -> e.id().equals(Optional.of(id))),
                listed.toString());

        List<EnvironmentFile> files = listFiles(id, "data");
        EnvironmentFile hello = files.stream().filter(f -> f.path().equals(Optional.of("data/hello.txt")))
                .findFirst().orElseThrow(() -> new AssertionError("not listed: " + files));
        assertEquals(Optional.of(Integer.toString(content.length())), hello.sizeBytes());
        assertEquals(content, new String(download(id, "data/hello.txt"), StandardCharsets.UTF_8));

        assertEquals(200, client.environments.deleteEnvironment(id).statusCode());
        ApiException notFound = assertThrows(ApiException.class,
                () -> client.environments.getEnvironment(id));
        assertEquals(404, notFound.code());
        assertEquals("NOT_FOUND", new JsonObject(((GaosBaseException) notFound).bodyAsString().orElseThrow())
                .getJsonObject("error").getString("status"));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    String track(String environment) {
        environments.add(environment);
        return environment;
    }

    Interaction track(Interaction interaction) {
        interaction.environmentId().ifPresent(this::track);
        return interaction;
    }

    static DynamicAgentConfig agentConfig() {
        return DynamicAgentConfig.builder().additionalProperty("model", AGENT_MODEL).build();
    }

    static CreateAgentInteraction.Builder agentTask(String input) {
        return CreateAgentInteraction.builder().agent(AgentOption.of("default")).input(InteractionsInput.of(input))
                .agentConfig(agentConfig());
    }

    CreateInteractionResponse create(CreateAgentInteraction request) {
        return client.interactions.create(CreateInteractionRequestBody.of(request));
    }

    static boolean isTerminal(InteractionStatus status) {
        return !status.equals(InteractionStatus.QUEUED) && !status.equals(InteractionStatus.IN_PROGRESS);
    }

    Interaction awaitInteraction(String id, Predicate<Interaction> until) throws InterruptedException {
        long deadline = System.nanoTime() + POLL_LIMIT.toNanos();
        Interaction now;
        do {
            now = client.interactions.get(GetInteractionByIdRequest.builder().id(id).build()).interaction().orElseThrow();
            if (until.test(now)) {
                return now;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return fail("interaction " + id + " did not get there within " + POLL_LIMIT + ": " + now);
    }

    /** Every step parsed into one of the SDK's own step types: nothing fell through to its catch-all. */
    static List<Step> assertKnown(List<Step> steps) {
        steps.forEach(step -> assertFalse(step instanceof UnknownStep, "the SDK did not recognise " + step));
        return steps;
    }

    static <T extends Step> T stepOf(List<Step> steps, Class<T> type) {
        return steps.stream().filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + steps));
    }

    static String text(Step step) {
        String text = textOrNull(step);
        if (text == null) {
            throw new AssertionError("not a model_output with text: " + step);
        }
        return text;
    }

    static String textOrNull(Step step) {
        if (step instanceof ModelOutputStep output) {
            StringBuilder text = new StringBuilder();
            output.content().orElse(List.of()).forEach(c -> {
                if (c instanceof TextContent t) {
                    text.append(t.text().orElse(""));
                }
            });
            return text.toString();
        }
        return null;
    }

    static List<InteractionSSEEvent> readAll(EventStream<InteractionSSEStreamEvent> stream) {
        try (stream) {
            List<InteractionSSEEvent> events = new ArrayList<>();
            for (InteractionSSEStreamEvent event : stream) {
                events.add(event.data().orElseThrow());
            }
            return events;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String eventId(InteractionSSEEvent event) {
        Optional<String> id;
        if (event instanceof InteractionCreatedEvent e) {
            id = e.eventId();
        } else if (event instanceof InteractionCompletedEvent e) {
            id = e.eventId();
        } else if (event instanceof StepStart e) {
            id = e.eventId();
        } else if (event instanceof StepDelta e) {
            id = e.eventId();
        } else if (event instanceof StepStop e) {
            id = e.eventId();
        } else if (event instanceof com.google.genai.gaos.models.interactions.InteractionStatusUpdate e) {
            id = e.eventId();
        } else if (event instanceof com.google.genai.gaos.models.interactions.ErrorEvent e) {
            id = e.eventId();
        } else {
            throw new AssertionError("unexpected event " + event);
        }
        return id.orElseThrow(() -> new AssertionError("no event_id: " + event));
    }

    static List<String> types(List<InteractionSSEEvent> events) {
        return events.stream().map(InteractionSSEEvent::eventType).toList();
    }

    /**
     * The stream's ordering contract: created first, completed last, ids increase, and every step opens with
     * step.start, grows with step.delta and closes with step.stop, nothing for it after the stop.
     */
    static void assertOrdered(List<InteractionSSEEvent> events) {
        List<String> types = types(events);
        assertTrue(events.size() >= 4, types.toString());
        assertEquals("interaction.created", types.get(0), types.toString());
        assertEquals("interaction.completed", types.get(types.size() - 1), types.toString());
        assertEquals(1, types.stream().filter("interaction.completed"::equals).count(), types.toString());
        long previous = -1;
        for (InteractionSSEEvent event : events) {
            long id = Long.parseLong(eventId(event));
            assertTrue(id > previous, "event ids increase: " + types);
            previous = id;
        }
        Map<Integer, String> state = new HashMap<>();
        for (InteractionSSEEvent event : events) {
            assertFalse(event instanceof UnknownInteractionSSEEvent, "the SDK did not recognise " + event);
            if (event instanceof StepStart start) {
                assertKnown(List.of(start.step().orElseThrow()));
                int index = start.index().orElseThrow();
                assertEquals(null, state.put(index, "open"), "step " + index + " started twice: " + types);
                assertTrue(start.step().isPresent(), start.toString());
            } else if (event instanceof StepDelta delta) {
                assertFalse(delta.delta().orElseThrow() instanceof UnknownStepDeltaData, "unrecognised " + delta);
                int index = delta.index().orElseThrow();
                assertEquals("open", state.get(index), "delta outside step " + index + ": " + types);
            } else if (event instanceof StepStop stop) {
                int index = stop.index().orElseThrow();
                assertEquals("open", state.put(index, "stopped"), "stop outside step " + index + ": " + types);
            }
        }
        assertFalse(state.isEmpty(), "no steps streamed: " + types);
        assertTrue(state.values().stream().allMatch("stopped"::equals), "a step never stopped: " + types);
    }

    static int indexOfStart(List<InteractionSSEEvent> events, Class<? extends Step> type) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof StepStart start && start.step().filter(type::isInstance).isPresent()) {
                return i;
            }
        }
        return -1;
    }

    List<EnvironmentFile> listFiles(String environment, String path) {
        return client.environments.files().list(GetEnvironmentFilesRequest.builder().environment(environment)
                        .path(path).build())
                .getEnvironmentFilesResponse().orElseThrow().files().orElse(List.of());
    }

    List<EnvironmentFile> listFilesOrEmpty(String environment, String path) {
        try {
            return listFiles(environment, path);
        } catch (ApiException notYet) {
            if (notYet.code() == 404) {
                return List.of();
            }
            throw notYet;
        }
    }

    byte[] download(String environment, String path) throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
                        URI.create(base + "/v1beta/environments/" + environment + "/files/" + path + "?alt=media"))
                .header(TestTenants.KEY_HEADER, TestTenants.DEFAULT_KEY).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), () -> new String(response.body(), StandardCharsets.UTF_8));
        return response.body();
    }

    JsonObject getJson(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header(TestTenants.KEY_HEADER, TestTenants.DEFAULT_KEY).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return new JsonObject(response.body());
    }

    static JsonObject find(JsonArray array, Predicate<JsonObject> matching) {
        if (array == null) {
            return null;
        }
        for (int i = 0; i < array.size(); i++) {
            if (matching.test(array.getJsonObject(i))) {
                return array.getJsonObject(i);
            }
        }
        return null;
    }
}
