package dev.wharf.interaction;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedReply;
import dev.wharf.support.ScriptedModel;
import dev.wharf.support.TestTenants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stream follower hears of events another control plane appends: the test writes an event the way any plane's
 * log does (in SQL, bypassing this plane's own wake-up), with the followers' poll set to an hour, so only the
 * database's notification can bring it to the open stream.
 */
@QuarkusTest
@TestProfile(InteractionNotificationsTest.NoPolling.class)
@QuarkusTestResource(ScriptedModel.class)
class InteractionNotificationsTest {

    public static class NoPolling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wharf.interactions.stream-poll", "1h");
        }
    }

    @TestHTTPResource("/")
    URL app;
    @Inject
    Pool pool;

    @Test
    void aFollowerSeesAnEventAppendedElsewhereWithoutPolling() throws Exception {
        ScriptedModel.server().reset();
        ScriptedModel.server().enqueue(ScriptedReply.text("late").withDelay(30_000));
        String id = given().contentType(ContentType.JSON)
                .body(Map.of("model", "openai/m", "input", "Take your time", "background", true))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        for (int i = 0; i < 100 && !"in_progress".equals(given().get("/v1/interactions/" + id).path("status")); i++) {
            Thread.sleep(100);
        }

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(app.toURI()
                        .resolve("/v1/interactions/" + id + "?stream=true")).header(TestTenants.KEY_HEADER,
                        TestTenants.DEFAULT_KEY).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException closed) {
                // the test closed the stream
            }
        }, "notification-test-reader");
        reader.setDaemon(true);
        reader.start();
        // The replay of what is stored comes first; then the stream waits.
        assertTrue(await(lines, "interaction_id", Duration.ofSeconds(20)), "the stream replayed the stored events");

        String mark = "from-another-plane-" + System.nanoTime();
        JsonObject payload = new JsonObject().put("index", 7)
                .put("step", new JsonObject().put("type", "thought").put("signature", mark));
        pool.withTransaction(tx -> tx.preparedQuery("UPDATE interaction SET last_event_seq = last_event_seq + 1"
                        + " WHERE id = $1 RETURNING last_event_seq").execute(Tuple.of(id))
                .chain(rows -> tx.preparedQuery("INSERT INTO interaction_event (interaction_id, seq, event_type,"
                                + " payload) VALUES ($1, $2, 'step.start', $3)")
                        .execute(Tuple.of(id, rows.iterator().next().getLong(0), payload))))
                .await().indefinitely();

        assertTrue(await(lines, mark, Duration.ofSeconds(20)), "the appended event reached the open stream");
        given().post("/v1/interactions/" + id + "/cancel").then().statusCode(200);
        assertTrue(await(lines, "interaction.completed", Duration.ofSeconds(20)), "the stream closed with the end");
    }

    private static boolean await(BlockingQueue<String> lines, String text, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        for (long left = patience.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            String line = lines.poll(left, TimeUnit.NANOSECONDS);
            if (line != null && line.contains(text)) {
                return true;
            }
        }
        return false;
    }
}
