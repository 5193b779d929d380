package dev.wharf.capacity;

import static dev.wharf.support.GatedAgents.agentTask;
import static dev.wharf.support.GatedAgents.assertStaysQueued;
import static dev.wharf.support.GatedAgents.awaitRunning;
import static dev.wharf.support.GatedAgents.awaitStatus;
import static dev.wharf.support.GatedAgents.get;
import static dev.wharf.support.GatedAgents.release;
import static dev.wharf.support.GatedAgents.start;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.support.GatedAgents;
import dev.wharf.metering.PriceBook;
import dev.wharf.support.Api;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.SseEvents;
import dev.wharf.support.Tenants;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue on a host with one sandbox slot: agent interactions wait in status queued, in tier order, and start
 * when the slot frees; standalone environments hold the slot too and are refused when it is taken.
 */
@QuarkusTest
@TestProfile(CapacityQueueTest.HostCapacityOne.class)
class CapacityQueueTest {
    /** Longer than the dispatcher's poll interval in tests (1 s), so "still queued" means it was passed over. */
    private static final Duration WHILE = Duration.ofMillis(2500);

    public static class HostCapacityOne implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wharf.capacity.max-sandboxes", "1");
        }
    }

    @BeforeEach
    void script() {
        GatedAgents.script(ScriptedModel.server());
    }

    @AfterEach
    void cleanUp() {
        GatedAgents.cleanUp();
    }

    @Inject
    PriceBook prices;

    @Test
    void flexWaitsBehindStandardAndItsWaitIsMeasured() throws Exception {
        String standard = start(null, agentTask("standard work", "background", true));
        awaitRunning(null, standard);

        // A foreground create waits for its answer while its interaction waits for the slot.
        CompletableFuture<JsonObject> flexAnswer = CompletableFuture.supplyAsync(() -> new JsonObject(
                given().contentType(ContentType.JSON).body(agentTask("flex work", "service_tier", "flex"))
                        .post("/v1/interactions").then().statusCode(200).extract().asString()));
        String flex = awaitNewest("flex");
        assertStaysQueued(null, flex, WHILE);
        assertTrue(metric("wharf_queue_depth", "flex") >= 1.0, "queue depth shows the waiting flex interaction");
        assertEquals("in_progress", get(null, standard).getString("status"));
        assertTrue(!flexAnswer.isDone(), "the foreground caller is still waiting");

        // A model call needs no sandbox: it does not queue behind the busy slot.
        given().contentType(ContentType.JSON).body(Map.of("model", "openai/queue-model", "input", "hello"))
                .post("/v1/interactions").then().statusCode(200)
                .body("status", equalTo("completed")).body("service_tier", equalTo("standard"));

        JsonObject standardDone = release(null, standard);
        assertEquals("standard", standardDone.getString("service_tier"));
        awaitRunning(null, flex);
        release(null, flex);
        JsonObject answer = flexAnswer.get();
        assertEquals("completed", answer.getString("status"));
        assertEquals("flex", answer.getString("service_tier"));
        assertEquals(flex, answer.getString("id"));
        assertTrue(metric("wharf_queue_wait_seconds_count", "flex") >= 1.0, "the flex wait was recorded");
        assertEquals(0.0, metric("wharf_queue_depth", "flex"));

        // Flex waited longest and pays half: each is billed its own sandbox seconds and tokens at its tier's share
        // of the list price.
        assertBilledAt(get(null, standard), BigDecimal.ONE);
        assertBilledAt(get(null, flex), new BigDecimal("0.5"));
    }

    /** x_cost is {@code share} of what the interaction's own sandbox seconds and tokens cost at list price. */
    private void assertBilledAt(JsonObject interaction, BigDecimal share) {
        JsonObject usage = interaction.getJsonObject("usage");
        BigDecimal seconds = new BigDecimal(usage.getValue("x_sandbox_seconds").toString());
        assertTrue(seconds.signum() > 0, "its sandbox time is metered: " + usage.encode());
        BigDecimal listPrice = prices.sandboxCost(seconds, PriceBook.STANDARD).add(prices.tokenCost(null,
                usage.getLong("total_input_tokens"), usage.getLong("total_output_tokens"),
                usage.getLong("total_thought_tokens", 0L), PriceBook.STANDARD));
        BigDecimal billed = new BigDecimal(usage.getValue("x_cost").toString());
        assertTrue(billed.subtract(listPrice.multiply(share)).abs().compareTo(new BigDecimal("0.000002")) <= 0,
                interaction.getString("service_tier") + " billed " + billed + ", list price " + listPrice);
    }

    @Test
    void priorityOvertakesStandardInTheQueue() {
        String running = start(null, agentTask("occupy the slot", "background", true));
        awaitRunning(null, running);
        String standard = start(null, agentTask("standard, queued first", "background", true));
        String priority = start(null, agentTask("priority, queued second", "background", true,
                "service_tier", "priority"));
        assertEquals("queued", get(null, standard).getString("status"));
        assertStaysQueued(null, priority, WHILE);

        release(null, running);
        awaitRunning(null, priority);
        assertStaysQueued(null, standard, WHILE);
        release(null, priority);
        awaitRunning(null, standard);
        release(null, standard);
    }

    @Test
    void aQueuedInteractionCanBeCancelledOrDeletedAndIsNeverAdmitted() {
        String running = start(null, agentTask("occupy the slot", "background", true));
        awaitRunning(null, running);
        String cancelled = start(null, agentTask("changed my mind", "background", true));
        String deleted = start(null, agentTask("never mind", "background", true));
        assertEquals("queued", get(null, cancelled).getString("status"));

        given().post("/v1/interactions/" + cancelled + "/cancel").then().statusCode(200)
                .body("status", equalTo("cancelled"));
        given().delete("/v1/interactions/" + deleted).then().statusCode(200).body(equalTo("{}"));
        given().get("/v1/interactions/" + deleted).then().statusCode(404);

        release(null, running);
        String next = start(null, agentTask("the slot is free again", "background", true));
        awaitRunning(null, next);
        JsonObject after = get(null, cancelled);
        assertEquals("cancelled", after.getString("status"));
        assertNull(after.getString("environment_id"), "a cancelled queued interaction never got a sandbox");
        release(null, next);
    }

    @Test
    void aStreamingCreateShowsQueuedThenInProgress() throws Exception {
        String running = start(null, agentTask("occupy the slot", "background", true));
        awaitRunning(null, running);
        CompletableFuture<String> stream = CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON)
                .body(agentTask("streamed", "stream", true)).post("/v1/interactions")
                .then().statusCode(200).extract().asString());
        String streamed = awaitNewest("standard");
        assertStaysQueued(null, streamed, WHILE);
        release(null, running);
        release(null, streamed);

        List<JsonObject> events = SseEvents.parse(stream.get());
        assertEquals("interaction.created", events.get(0).getString("event_type"));
        assertEquals("queued", events.get(0).getJsonObject("interaction").getString("status"));
        int inProgress = indexOf(events, "interaction.status_update", "in_progress");
        int completed = indexOf(events, "interaction.completed", null);
        assertTrue(inProgress > 0 && completed > inProgress, events.toString());
        assertEquals("completed", events.get(completed).getJsonObject("interaction").getString("status"));
    }

    @Test
    void standaloneEnvironmentsHoldTheSlotAndAreRefusedWhenItIsTaken() {
        String running = start(null, agentTask("occupy the slot", "background", true));
        awaitRunning(null, running);
        Api.assertError(given().contentType(ContentType.JSON).body(Map.of()).post("/v1/environments").then()
                .body("error.message", containsString("sandbox slots")), 429, "RESOURCE_EXHAUSTED");
        release(null, running);

        String standalone = Api.createEnvironment();
        String waiting = start(null, agentTask("needs a sandbox of its own", "background", true));
        assertStaysQueued(null, waiting, WHILE);

        // Work in the standalone environment uses the sandbox that already holds the slot.
        String inside = start(null, agentTask("work in my environment", "background", true,
                "environment", standalone));
        assertEquals(standalone, awaitRunning(null, inside).getString("environment_id"));
        release(null, inside);
        assertEquals("queued", get(null, waiting).getString("status"));

        // Deleting the environment frees the slot; the poll admits the waiting work from the database alone.
        Api.deleteEnvironment(standalone);
        awaitRunning(null, waiting);
        release(null, waiting);
    }

    @Test
    void serviceTierIsValidated() {
        Api.assertError(given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/queue-model", "input", "hi", "service_tier", "deferred"))
                .post("/v1/interactions").then().body("error.message", containsString("service_tier")),
                400, "INVALID_ARGUMENT");
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/queue-model", "input", "hi", "service_tier", "priority"))
                .post("/v1/interactions").then().statusCode(200).body("service_tier", equalTo("priority"));
    }

    /** The newest interaction, once it is a queued one of {@code tier}: found by listing, create has not answered. */
    private static String awaitNewest(String tier) {
        for (int i = 0; i < 100; i++) {
            JsonArray page = new JsonObject(given().queryParam("page_size", 1).get("/v1/interactions")
                    .then().statusCode(200).extract().asString()).getJsonArray("interactions");
            JsonObject newest = page.isEmpty() ? null : page.getJsonObject(0);
            if (newest != null && "queued".equals(newest.getString("status"))
                    && tier.equals(newest.getString("service_tier"))) {
                GatedAgents.track(null, newest.getString("id"));
                return newest.getString("id");
            }
            GatedAgents.pause(100);
        }
        fail("no queued " + tier + " interaction appeared");
        return null;
    }

    private static int indexOf(List<JsonObject> events, String type, String status) {
        for (int i = 0; i < events.size(); i++) {
            JsonObject event = events.get(i);
            if (type.equals(event.getString("event_type"))
                    && (status == null || status.equals(event.getString("status")))) {
                return i;
            }
        }
        return -1;
    }

    /** One sample from /q/metrics, by name and tier. */
    private static double metric(String name, String tier) {
        String body = Tenants.admin().get("/q/metrics").then().statusCode(200).extract().asString();
        Pattern line = Pattern.compile("(?m)^" + name + "\\{[^}]*tier=\"" + tier + "\"[^}]*\\} (\\S+)$");
        Matcher sample = line.matcher(body);
        if (!sample.find()) {
            fail(name + "{tier=" + tier + "} is not in /q/metrics");
        }
        return Double.parseDouble(sample.group(1));
    }
}
