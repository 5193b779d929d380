package dev.wharf.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.model.ScriptedReply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real control-plane restart: the packaged Wharf runs as a child process, is killed with SIGKILL in the middle
 * of background work, and is started again on the same port, database and gateway port.
 * <ul>
 * <li>An agent run already started in its sandbox survives: its code finishes while the control plane is down,
 * the in-sandbox runtime keeps retrying the model gateway with the result, and the new control plane serves the
 * rest of the run to completion.</li>
 * <li>A model call the dead control plane was driving is not left {@code in_progress}: its lease lapses and the
 * watchdog of the new control plane fails it with {@code control_plane_restarted}.</li>
 * </ul>
 * In both cases the interaction stays readable by id across the restart. Runs isolated from other Wharfs on the
 * host: its own database ({@value #DB_NAME}), deployment label ({@value #DEPLOYMENT}) and free ports.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneRestartIT {
    static final String DB_NAME = "wharf_restart";
    static final String DEPLOYMENT = "restart-it";
    private static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled", "incomplete",
            "requires_action", "budget_exceeded");
    private static final Duration DOWN_FOR = Duration.ofSeconds(2);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Set<String> environments = new LinkedHashSet<>();
    private static ScriptedOpenAiServer model;
    private static ControlPlaneProcess controlPlane;
    private static String apiKey;

    @BeforeAll
    static void startControlPlane() throws Exception {
        Path module = moduleDir();
        Path jar = module.resolve("target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run this test through `mvn verify` (after package)");
        removeSandboxes();
        resetDatabase();
        model = new ScriptedOpenAiServer();
        Path logFile = module.resolve("target/restart-it/control-plane.log");
        Files.deleteIfExists(logFile);
        int httpPort = freePort();
        int gatewayPort = freePort();
        Path keyFile = module.resolve("target/restart-it/home/.wharf/api-key");
        Files.deleteIfExists(keyFile);
        // Generated at first start and read again on every restart, as an installation's would be.
        Path secretsKeyFile = keyFile.resolveSibling("secrets-key");
        Files.deleteIfExists(secretsKeyFile);
        controlPlane = new ControlPlaneProcess(jar, logFile, httpPort,
                Map.of("WHARF_HTTP_PORT", String.valueOf(httpPort), "WHARF_DB_NAME", DB_NAME,
                        "WHARF_AUTH_KEY_FILE", keyFile.toString(),
                        "WHARF_SECRETS_KEY_FILE", secretsKeyFile.toString()),
                List.of("-Dwharf.sandbox.deployment=" + DEPLOYMENT,
                        "-Dwharf.interactions.gateway-port=" + gatewayPort,
                        "-Dwharf.models.openai.base-url=" + model.baseUrl(),
                        "-Dwharf.interactions.lease=6s",
                        "-Dwharf.interactions.watchdog-interval=1s",
                        // A webhook attempt's claim lasts three timeouts: 6 s, so a crashed plane's lapses soon.
                        "-Dwharf.webhooks.timeout=2s",
                        "-Dwharf.webhooks.poll-interval=1s",
                        // One sandbox slot, so agent tasks queue behind each other (scenario 4).
                        "-Dwharf.capacity.max-sandboxes=1"));
        Duration took = controlPlane.start();
        // A fresh installation hands its first key to its owner only, in a file nobody else may read.
        assertTrue(Files.isRegularFile(keyFile), "no first API key was written to " + keyFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secretsKeyFile)),
                "the secrets key is generated at first start, readable by its owner only");
        apiKey = Files.readString(keyFile).strip();
        log("control plane up on port %d (gateway port %d) in %d ms; output in %s", httpPort, gatewayPort,
                took.toMillis(), controlPlane.logFile());
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try {
            if (controlPlane != null && controlPlane.isAlive()) {
                for (String environment : environments) {
                    try {
                        HttpResponse<String> deleted = send("DELETE", "/v1/environments/" + environment, null);
                        log("DELETE environment %s: %d", environment, deleted.statusCode());
                    } catch (IOException | RuntimeException e) {
                        log("DELETE environment %s failed: %s", environment, e);
                    }
                }
            }
        } finally {
            try {
                if (controlPlane != null) {
                    controlPlane.stop();
                }
            } finally {
                if (model != null) {
                    model.close();
                }
                removeSandboxes();
            }
        }
    }

    @BeforeEach
    void resetModelAndEnsureRunning() throws Exception {
        model.reset();
        if (!controlPlane.isAlive()) { // an earlier scenario failed while it was down
            controlPlane.start();
        }
    }

    @Test
    @Order(1)
    void agentRunStartedInItsSandboxResumesAfterTheControlPlaneIsKilled() throws Exception {
        model.replyToolCall("execute_code", new JsonObject().put("language", "bash")
                        .put("code", "sleep 8; echo done > after.txt").encode())
                .reply("finished");
        HttpResponse<String> created = send("POST", "/v1/interactions", new JsonObject()
                .put("agent", "default")
                .put("input", "Wait a little, then write after.txt")
                .put("background", true)
                .put("agent_config", new JsonObject().put("type", "dynamic").put("model", "openai/agent-model")));
        assertEquals(200, created.statusCode(), created.body());
        String id = new JsonObject(created.body()).getString("id");
        assertNotNull(id, created.body());

        JsonObject running = await(id, Duration.ofSeconds(90), "its steps contain code_execution_call",
                now -> hasStep(now, "code_execution_call"));
        assertEquals("in_progress", running.getString("status"), running.encodePrettily());
        String environment = running.getString("environment_id");
        assertNotNull(environment, "an agent interaction names its environment: " + running.encode());
        environments.add(environment);

        assertFalse(hasStep(running, "code_execution_result"), "the code is still running when the control plane"
                + " is killed: " + running.encodePrettily());

        // Kill the control plane and keep it down until the code has finished in the sandbox: the runtime's report
        // of the tool result then meets a dead gateway and must be retried until the new control plane answers.
        long killedAt = System.nanoTime();
        controlPlane.kill();
        log("control plane killed (SIGKILL) while the agent's code runs");
        String written = awaitSandboxFile(environment, "after.txt", Duration.ofSeconds(40));
        assertEquals("done\n", written, "the code finished in the sandbox while the control plane was down");
        log("the code finished in the sandbox %d ms after the kill, with the control plane still down",
                millisSince(killedAt));
        Duration took = controlPlane.start();
        log("control plane restarted and ready in %d ms (down %d ms in all)", took.toMillis(), millisSince(killedAt));
        JsonObject readable = readable(id);
        log("agent interaction %s after the restart: %s, %d steps", id, readable.getString("status"),
                readable.getJsonArray("steps", new JsonArray()).size());

        JsonObject done = await(id, Duration.ofSeconds(90), "it reaches a terminal status",
                now -> TERMINAL.contains(now.getString("status")));
        log("agent interaction %s %s %d ms after the kill", id, done.getString("status"), millisSince(killedAt));
        assertEquals("completed", done.getString("status"),
                "the run must resume after the restart; interaction: " + done.encodePrettily()
                        + "\ncontrol plane output:\n" + controlPlane.tail());
        assertEquals(id, done.getString("id"));
        assertEquals(environment, done.getString("environment_id"));

        JsonArray steps = done.getJsonArray("steps");
        JsonObject result = steps.stream().map(JsonObject.class::cast)
                .filter(s -> "code_execution_result".equals(s.getString("type"))).findFirst()
                .orElseThrow(() -> new AssertionError("no code_execution_result step: " + done.encodePrettily()));
        assertFalse(result.getBoolean("is_error", true), "the code ran without error: " + result.encode());
        JsonObject last = steps.getJsonObject(steps.size() - 1);
        assertEquals("model_output", last.getString("type"), done.encodePrettily());
        assertEquals("finished", last.getJsonArray("content").getJsonObject(0).getString("text"),
                done.encodePrettily());
        assertEquals(2, model.requestCount(), "one model turn before the tool run and one after it");

        HttpResponse<String> file = send("GET", "/v1/environments/" + environment + "/files/after.txt?alt=media", null);
        assertEquals(200, file.statusCode(), file.body());
        assertEquals("done\n", file.body());
        assertNothingLeftInProgress();
    }

    @Test
    @Order(2)
    void modelCallWhoseControlPlaneWasKilledFailsWithAReason() throws Exception {
        model.enqueue(ScriptedReply.text("late").withDelay(30_000));
        HttpResponse<String> created = send("POST", "/v1/interactions", new JsonObject()
                .put("model", "openai/m")
                .put("input", "Answer slowly")
                .put("background", true));
        assertEquals(200, created.statusCode(), created.body());
        String id = new JsonObject(created.body()).getString("id");
        assertNotNull(id, created.body());

        await(id, Duration.ofSeconds(30), "it is in_progress", now -> "in_progress".equals(now.getString("status")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (model.requestCount() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, model.requestCount(), "the model call is in flight when the control plane is killed");

        long killedAt = System.nanoTime();
        restart();
        long restartedAt = System.nanoTime();
        JsonObject readable = readable(id);
        log("model interaction %s after the restart: %s", id, readable.getString("status"));

        JsonObject ended = await(id, Duration.ofSeconds(30), "it is no longer in progress",
                now -> TERMINAL.contains(now.getString("status")));
        log("model interaction %s %s %d ms after the kill (%d ms after the restart)", id, ended.getString("status"),
                millisSince(killedAt), millisSince(restartedAt));
        assertEquals("failed", ended.getString("status"), ended.encodePrettily());
        JsonArray errors = ended.getJsonArray("errors");
        assertTrue(errors != null && !errors.isEmpty(), "a failed interaction says why: " + ended.encodePrettily());
        assertEquals("control_plane_restarted", errors.getJsonObject(0).getString("code"), ended.encodePrettily());
        assertFalse(errors.getJsonObject(0).getString("message", "").isBlank(), ended.encodePrettily());
        assertEquals(1, model.requestCount(), "the new control plane does not call the model again");
        assertNothingLeftInProgress();
    }

    @Test
    @Order(3)
    void aDeadlineFallingAfterARestartIsEnforcedOnTimeAndKeepsTheFiles() throws Exception {
        int timeoutSeconds = 40;
        model.replyToolCall("execute_code", new JsonObject().put("language", "bash")
                        .put("code", "echo partial > early.txt; sleep 300; echo late > late.txt").encode())
                .reply("never reached");
        HttpResponse<String> created = send("POST", "/v1/interactions", new JsonObject()
                .put("agent", "default")
                .put("input", "Write early.txt, then take far too long")
                .put("background", true)
                .put("agent_config", new JsonObject().put("type", "dynamic").put("model", "openai/agent-model")
                        .put("timeout_seconds", timeoutSeconds)));
        assertEquals(200, created.statusCode(), created.body());
        JsonObject accepted = new JsonObject(created.body());
        String id = accepted.getString("id");
        Instant deadline = Instant.parse(accepted.getString("x_deadline"));

        JsonObject running = await(id, Duration.ofSeconds(60), "its code runs",
                now -> hasStep(now, "code_execution_call"));
        String environment = running.getString("environment_id");
        environments.add(environment);
        assertEquals("partial\n", awaitSandboxFile(environment, "early.txt", Duration.ofSeconds(30)));

        // The control plane that set the deadline dies; the one that starts afterwards must enforce it.
        restart();
        assertTrue(Instant.now().isBefore(deadline), "the restart must finish before the deadline to test"
                + " enforcement by the new process; deadline " + deadline);

        JsonObject ended = await(id, Duration.ofSeconds(timeoutSeconds + 30), "it ends",
                now -> TERMINAL.contains(now.getString("status")));
        Instant endedAt = Instant.now();
        log("interaction %s ended %s %d ms after its deadline", id, ended.getString("status"),
                Duration.between(deadline, endedAt).toMillis());
        assertEquals("incomplete", ended.getString("status"), ended.encodePrettily());
        assertEquals("deadline_exceeded", ended.getJsonArray("errors").getJsonObject(0).getString("code"),
                ended.encodePrettily());
        Instant recordedEnd = Instant.parse(ended.getString("updated"));
        assertTrue(Math.abs(Duration.between(deadline, recordedEnd).toSeconds()) <= 3,
                "ended at " + recordedEnd + ", deadline " + deadline);

        // Its run is billed from the moment it was handed to its sandbox up to the deadline, across the restart:
        // not beyond the deadline, and without the seconds the control plane was down missing.
        double metered = ended.getJsonObject("usage").getDouble("x_sandbox_seconds");
        log("interaction %s metered %.3f s of sandbox time for a %d s timeout", id, metered, timeoutSeconds);
        assertTrue(metered <= timeoutSeconds + 1 && metered >= timeoutSeconds - 5,
                "metered " + metered + " s for a " + timeoutSeconds + " s timeout: " + ended.encodePrettily());

        // The files made before the deadline stay downloadable; the command was stopped, not left running.
        HttpResponse<String> early = send("GET", "/v1/environments/" + environment + "/files/early.txt?alt=media", null);
        assertEquals(200, early.statusCode(), early.body());
        assertEquals("partial\n", early.body());
        HttpResponse<String> late = send("GET", "/v1/environments/" + environment + "/files/late.txt", null);
        assertEquals(404, late.statusCode(), "the timed-out command went on: " + late.body());
        assertNothingLeftInProgress();
    }

    @Test
    @Order(4)
    void queuedWorkSurvivesARestartAndStartsWhenTheSlotFrees() throws Exception {
        model.replyToolCall("execute_code", new JsonObject().put("language", "bash")
                        .put("code", "sleep 12; echo first > first.txt").encode())
                .reply("first done")
                .reply("second done");
        String first = createAgentTask("Take the only slot for a while");
        JsonObject running = await(first, Duration.ofSeconds(60), "its code runs",
                now -> hasStep(now, "code_execution_call"));
        environments.add(running.getString("environment_id"));
        String second = createAgentTask("Wait for the slot");
        assertEquals("queued", readable(second).getString("status"), "the host's one slot is taken");

        restart();
        assertEquals("queued", readable(second).getString("status"), "still waiting after the restart");

        JsonObject firstDone = await(first, Duration.ofSeconds(90), "it ends",
                now -> TERMINAL.contains(now.getString("status")));
        assertEquals("completed", firstDone.getString("status"), firstDone.encodePrettily());
        JsonObject secondDone = await(second, Duration.ofSeconds(90), "it ends",
                now -> TERMINAL.contains(now.getString("status")));
        environments.add(secondDone.getString("environment_id"));
        assertEquals("completed", secondDone.getString("status"), secondDone.encodePrettily());
        JsonArray steps = secondDone.getJsonArray("steps");
        assertEquals("second done", steps.getJsonObject(steps.size() - 1).getJsonArray("content").getJsonObject(0)
                .getString("text"));
        // It started only once the first had freed the slot: its timeout counts from then.
        Instant firstEnded = Instant.parse(firstDone.getString("updated"));
        Instant secondDeadline = Instant.parse(secondDone.getString("x_deadline"));
        assertTrue(!secondDeadline.isBefore(firstEnded.plus(Duration.ofMinutes(30)).minusSeconds(2)),
                "admitted before the slot was free: deadline " + secondDeadline + ", first ended " + firstEnded);
        assertEquals(3, model.requestCount(), "each turn ran once");
        assertNothingLeftInProgress();
    }

    /**
     * The webhook of an interaction's end is written with the end itself and claimed by the plane that ended it;
     * that plane dies while its receiver is still reading the first attempt. After the restart the claim lapses
     * and the poller sends the same event again under the same webhook-id (at least once, never lost).
     */
    @Test
    @Order(5)
    void aWebhookWhoseSendWasCutOffByACrashIsDeliveredAfterTheRestartWithTheSameId() throws Exception {
        List<String> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch firstArrived = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        receiver.createContext("/hook", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                ids.add(exchange.getRequestHeaders().getFirst("webhook-id"));
                if (ids.size() == 1) {
                    // The first attempt is held unanswered until its sender is gone.
                    firstArrived.countDown();
                    release.await(60, TimeUnit.SECONDS);
                    return;
                }
                exchange.sendResponseHeaders(204, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        receiver.start();
        try {
            model.reply("done");
            HttpResponse<String> created = send("POST", "/v1/interactions", new JsonObject()
                    .put("model", "openai/m").put("input", "Tell me when you are done")
                    .put("webhook_config", new JsonObject().put("uris", new JsonArray()
                            .add("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"))));
            assertEquals(200, created.statusCode(), created.body());
            String id = new JsonObject(created.body()).getString("id");
            assertEquals("completed", new JsonObject(created.body()).getString("status"), created.body());
            assertTrue(firstArrived.await(30, TimeUnit.SECONDS), "the first attempt was sent at once");

            restart();
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ids.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(2, ids.size(), "the cut-off attempt was sent again after the restart: " + ids);
            assertNotNull(ids.get(0));
            assertEquals(ids.get(0), ids.get(1), "a retry carries the same webhook-id");
            assertEquals("completed", readable(id).getString("status"));
        } finally {
            release.countDown();
            receiver.stop(0);
            ((java.util.concurrent.ExecutorService) receiver.getExecutor()).shutdownNow();
        }
    }

    /**
     * PostgreSQL restarts while an agent's code runs: every connection of the plane drops at once. The plane
     * reconnects by itself, the run goes on to completion, and new work is taken as before.
     */
    @Test
    @Order(6)
    void aDatabaseRestartMidRunLeavesTheRunCompleteAndThePlaneWorking() throws Exception {
        model.replyToolCall("execute_code", new JsonObject().put("language", "bash")
                        .put("code", "sleep 8; echo done > db-restart.txt").encode())
                .reply("finished despite the database")
                .reply("still here");
        String id = createAgentTask("Wait a little, then write db-restart.txt");
        JsonObject running = await(id, Duration.ofSeconds(90), "its code runs",
                now -> hasStep(now, "code_execution_call"));
        environments.add(running.getString("environment_id"));

        restartDatabase();
        JsonObject done = await(id, Duration.ofSeconds(120), "it ends",
                now -> TERMINAL.contains(now.getString("status")));
        assertEquals("completed", done.getString("status"), done.encodePrettily() + "\ncontrol plane output:\n"
                + controlPlane.tail());
        JsonArray steps = done.getJsonArray("steps");
        assertEquals("finished despite the database", steps.getJsonObject(steps.size() - 1).getJsonArray("content")
                .getJsonObject(0).getString("text"));

        HttpResponse<String> next = send("POST", "/v1/interactions", new JsonObject().put("model", "openai/m")
                .put("input", "Are you there?"));
        assertEquals(200, next.statusCode(), next.body());
        assertEquals("completed", new JsonObject(next.body()).getString("status"), next.body());
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(controlPlane.baseUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertNothingLeftInProgress();
    }

    /**
     * A second control plane on the same database follows an interaction the first one runs: its stream gets
     * every event, in order, without a gap or a repeat, and ends with the interaction's end. The second plane's
     * followers never poll (an hour), so only the database's notifications can carry the first plane's appends.
     * It runs no sandboxes (no firewall, no egress proxy of its own), so it leaves the first plane's alone.
     */
    @Test
    @Order(7)
    void aStreamOnAnotherPlaneSeesEveryEventOfAnInteractionRunningHere() throws Exception {
        Path module = moduleDir();
        Path home = module.resolve("target/restart-it/home/.wharf");
        int otherPort = freePort();
        ControlPlaneProcess other = new ControlPlaneProcess(module.resolve("target/quarkus-app/quarkus-run.jar"),
                module.resolve("target/restart-it/second-plane.log"), otherPort,
                Map.of("WHARF_HTTP_PORT", String.valueOf(otherPort), "WHARF_DB_NAME", DB_NAME,
                        "WHARF_AUTH_KEY_FILE", home.resolve("api-key").toString(),
                        "WHARF_SECRETS_KEY_FILE", home.resolve("secrets-key").toString()),
                List.of("-Dwharf.sandbox.deployment=" + DEPLOYMENT,
                        "-Dwharf.interactions.gateway-port=" + freePort(),
                        "-Dwharf.models.openai.base-url=" + model.baseUrl(),
                        "-Dwharf.sandbox.firewall=off",
                        "-Dwharf.egress.enabled=false",
                        "-Dwharf.environment.reconcile-interval=off",
                        "-Dwharf.interactions.stream-poll=1h"));
        other.start();
        try {
            model.enqueue(ScriptedReply.text("an answer written on the first plane").withDelay(3_000));
            HttpResponse<String> created = send("POST", "/v1/interactions", new JsonObject().put("model", "openai/m")
                    .put("input", "Answer after a pause").put("background", true));
            assertEquals(200, created.statusCode(), created.body());
            String id = new JsonObject(created.body()).getString("id");

            List<String> elsewhere = eventIds(other.baseUrl(), id);
            List<String> here = eventIds(controlPlane.baseUrl(), id);
            assertTrue(elsewhere.size() >= 4, "the other plane's stream: " + elsewhere);
            assertEquals(here, elsewhere, "the same events, in the same order, on both planes");
            for (int i = 0; i < elsewhere.size(); i++) {
                assertEquals(String.valueOf(i + 1), elsewhere.get(i), "event ids run without a gap: " + elsewhere);
            }
            assertEquals("completed", readable(id).getString("status"));
        } finally {
            other.stop();
        }
    }

    /** The ids of an interaction's stream on {@code base}, from its start to {@code interaction.completed}. */
    private static List<String> eventIds(String base, String interactionId) throws Exception {
        HttpResponse<java.io.InputStream> stream = HTTP.send(HttpRequest.newBuilder(
                        URI.create(base + "/v1/interactions/" + interactionId + "?stream=true"))
                .timeout(Duration.ofSeconds(60)).header("x-goog-api-key", apiKey).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        List<String> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CompletableFuture<Boolean> completed = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try (java.io.BufferedReader lines = new java.io.BufferedReader(
                            new java.io.InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                        String event = null;
                        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                            if (line.startsWith("event: ")) {
                                event = line.substring("event: ".length());
                            } else if (line.startsWith("id: ")) {
                                ids.add(line.substring("id: ".length()));
                                if ("interaction.completed".equals(event)) {
                                    return true;
                                }
                            }
                        }
                        return false;
                    } catch (IOException e) {
                        return false;
                    }
                });
        try {
            assertTrue(completed.get(60, TimeUnit.SECONDS), "the stream on " + base
                    + " ended before interaction.completed: " + ids);
        } catch (java.util.concurrent.TimeoutException e) {
            stream.body().close();
            throw new AssertionError("no interaction.completed on " + base + " within 60 s; got " + ids);
        }
        return List.copyOf(ids);
    }

    /** Restarts the local PostgreSQL cluster the plane uses (the one on port 5432), as its service would be. */
    private static void restartDatabase() throws Exception {
        Process list = new ProcessBuilder("pg_lsclusters", "-h").redirectErrorStream(true).start();
        String clusters = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(list.waitFor(30, TimeUnit.SECONDS) && list.exitValue() == 0, clusters);
        String[] cluster = clusters.lines().map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields.length >= 3 && fields[2].equals("5432")).findFirst()
                .orElseThrow(() -> new AssertionError("no local cluster on port 5432: " + clusters));
        long started = System.nanoTime();
        Process restart = new ProcessBuilder("pg_ctlcluster", cluster[0], cluster[1], "restart", "-m", "fast")
                .redirectErrorStream(true).start();
        String said = new String(restart.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(restart.waitFor(60, TimeUnit.SECONDS) && restart.exitValue() == 0, "pg_ctlcluster: " + said);
        log("PostgreSQL %s/%s restarted in %d ms", cluster[0], cluster[1], millisSince(started));
    }

    private static String createAgentTask(String input) throws Exception {
        HttpResponse<String> created = send("POST", "/v1/interactions", new JsonObject()
                .put("agent", "default")
                .put("input", input)
                .put("background", true)
                .put("agent_config", new JsonObject().put("type", "dynamic").put("model", "openai/agent-model")));
        assertEquals(200, created.statusCode(), created.body());
        return new JsonObject(created.body()).getString("id");
    }

    // ---- steps -------------------------------------------------------------------------------------

    private static void restart() throws Exception {
        controlPlane.kill();
        log("control plane killed (SIGKILL)");
        Thread.sleep(DOWN_FOR.toMillis());
        Duration took = controlPlane.start();
        log("control plane restarted and ready in %d ms", took.toMillis());
    }

    private static JsonObject readable(String id) throws Exception {
        HttpResponse<String> answer = send("GET", "/v1/interactions/" + id, null);
        assertEquals(200, answer.statusCode(), "interaction " + id + " must be readable after the restart: "
                + answer.body());
        JsonObject interaction = new JsonObject(answer.body());
        assertEquals(id, interaction.getString("id"), answer.body());
        return interaction;
    }

    /**
     * Reads a workspace file straight from the sandbox container (the API is down meanwhile) once it exists.
     * Container names are {@code wharf-<deployment>-<environment>}.
     */
    private static String awaitSandboxFile(String environment, String path, Duration timeout) throws Exception {
        String container = "wharf-" + DEPLOYMENT + "-" + environment;
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Process cat = new ProcessBuilder("docker", "exec", container, "cat", "/workspace/" + path)
                    .redirectErrorStream(true).start();
            last = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (cat.waitFor(30, TimeUnit.SECONDS) && cat.exitValue() == 0) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("/workspace/" + path + " did not appear in " + container + " within "
                + timeout.toSeconds() + " s; last docker exec output: " + last);
    }

    /** No interaction of this deployment is left queued or in progress: nothing runs unowned. */
    private static void assertNothingLeftInProgress() throws Exception {
        HttpResponse<String> answer = send("GET", "/v1/interactions?page_size=100", null);
        assertEquals(200, answer.statusCode(), answer.body());
        List<String> open = new ArrayList<>();
        new JsonObject(answer.body()).getJsonArray("interactions", new JsonArray()).stream()
                .map(JsonObject.class::cast)
                .filter(i -> Set.of("queued", "in_progress").contains(i.getString("status")))
                .forEach(i -> open.add(i.getString("id") + "=" + i.getString("status")));
        assertTrue(open.isEmpty(), "interactions still open: " + open + "\n" + answer.body());
    }

    /** Polls {@code GET /v1/interactions/{id}} until {@code condition} holds; fails with the last answer. */
    private static JsonObject await(String id, Duration timeout, String what, Predicate<JsonObject> condition)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = send("GET", "/v1/interactions/" + id, null);
            last = answer.statusCode() + " " + answer.body();
            if (answer.statusCode() == 200) {
                JsonObject now = new JsonObject(answer.body());
                if (condition.test(now)) {
                    return now;
                }
                if (TERMINAL.contains(now.getString("status"))) {
                    throw new AssertionError("interaction " + id + " ended " + now.getString("status")
                            + " before " + what + ": " + now.encodePrettily() + "\ncontrol plane output:\n"
                            + controlPlane.tail());
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("interaction " + id + ": waited " + timeout.toSeconds() + " s until " + what
                + "; last answer: " + last + "\ncontrol plane output:\n" + controlPlane.tail());
    }

    private static boolean hasStep(JsonObject interaction, String type) {
        JsonArray steps = interaction.getJsonArray("steps", new JsonArray());
        return steps.stream().anyMatch(s -> s instanceof JsonObject step && type.equals(step.getString("type")));
    }

    // ---- plumbing ----------------------------------------------------------------------------------

    private static HttpResponse<String> send(String method, String path, JsonObject body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(controlPlane.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("x-goog-api-key", apiKey);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Failsafe runs in the module directory and sets basedir; fall back to the repository root layout. */
    private static Path moduleDir() {
        String basedir = System.getProperty("basedir");
        Path dir = Path.of(basedir != null ? basedir : System.getProperty("user.dir")).toAbsolutePath();
        if (!Files.isDirectory(dir.resolve("target/quarkus-app")) && Files.isDirectory(dir.resolve("orchestrator"))) {
            dir = dir.resolve("orchestrator");
        }
        return dir;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** The test's own database, created if absent and emptied, so every run starts from fresh migrations. */
    private static void resetDatabase() throws Exception {
        String host = System.getenv().getOrDefault("WHARF_DB_HOST", "localhost");
        String port = System.getenv().getOrDefault("WHARF_DB_PORT", "5432");
        String user = System.getenv().getOrDefault("WHARF_DB_USER", "wharf");
        String password = System.getenv().getOrDefault("WHARF_DB_PASSWORD", "wharf");
        String url = "jdbc:postgresql://" + host + ":" + port + "/" + DB_NAME;
        try (Connection connection = connect(url, user, password); Statement sql = connection.createStatement()) {
            sql.execute("DROP SCHEMA IF EXISTS public CASCADE");
            sql.execute("CREATE SCHEMA public");
        }
    }

    private static Connection connect(String url, String user, String password) throws Exception {
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) { // anything but "database does not exist"
                throw e;
            }
            run("runuser", "-u", "postgres", "--", "createdb", "-O", user, DB_NAME);
            return DriverManager.getConnection(url, user, password);
        }
    }

    /** Containers and workspace volumes of this test's deployment, left by this run or an interrupted one. */
    private static void removeSandboxes() throws Exception {
        String label = "label=dev.wharf.deployment=" + DEPLOYMENT;
        List<String> containers = output("docker", "ps", "-aq", "--filter", label);
        if (!containers.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("docker", "rm", "-f", "-v"));
            command.addAll(containers);
            run(command.toArray(String[]::new));
        }
        List<String> volumes = output("docker", "volume", "ls", "-q", "--filter", label);
        if (!volumes.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("docker", "volume", "rm", "-f"));
            command.addAll(volumes);
            run(command.toArray(String[]::new));
        }
    }

    private static List<String> output(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + text);
        }
        return text.lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
    }

    private static void run(String... command) throws Exception {
        output(command);
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[ControlPlaneRestartIT] " + format + "%n", args);
    }
}
