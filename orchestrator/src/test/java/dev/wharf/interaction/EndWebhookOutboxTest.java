package dev.wharf.interaction;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.model.ScriptedReply;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No instant exists in which an interaction has ended but the webhook its end raises is not yet recorded: the
 * deliveries are written in the transaction that ends it. The test slows every delivery insert down (a trigger
 * that sleeps) and watches the interaction row and its deliveries in single snapshots while it ends: a delivery
 * written after the end's commit would leave a second in which the row reads terminal with no delivery.
 */
@QuarkusTest
@QuarkusTestResource(ScriptedModel.class)
class EndWebhookOutboxTest {
    @Inject
    Pool pool;

    @BeforeEach
    void slowDeliveryInserts() {
        sql("CREATE OR REPLACE FUNCTION wharf_test_slow_delivery() RETURNS trigger AS $$ BEGIN"
                + " PERFORM pg_sleep(1); RETURN NEW; END $$ LANGUAGE plpgsql");
        sql("DROP TRIGGER IF EXISTS wharf_test_slow_delivery ON webhook_delivery");
        sql("CREATE TRIGGER wharf_test_slow_delivery BEFORE INSERT ON webhook_delivery FOR EACH ROW"
                + " EXECUTE FUNCTION wharf_test_slow_delivery()");
    }

    @AfterEach
    void removeTrigger() {
        sql("DROP TRIGGER IF EXISTS wharf_test_slow_delivery ON webhook_delivery");
        sql("DROP FUNCTION IF EXISTS wharf_test_slow_delivery()");
    }

    @Test
    void anEndedInteractionAlwaysHasItsWebhookRecorded() throws Exception {
        ScriptedModel.server().reset();
        ScriptedModel.server().enqueue(ScriptedReply.text("done").withDelay(500));
        // A receiver port nobody listens on: the attempt fails and is retried later, which does not matter here.
        String id = given().contentType(ContentType.JSON).body(Map.of("model", "openai/m", "input", "Tell me",
                        "background", true, "webhook_config", Map.of("uris", List.of("http://127.0.0.1:9/hook"))))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");

        int seen = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            Row now = pool.preparedQuery("SELECT i.status, (SELECT count(*) FROM webhook_delivery d"
                            + " WHERE d.interaction_id = i.id) AS deliveries FROM interaction i WHERE i.id = $1")
                    .execute(Tuple.of(id)).await().indefinitely().iterator().next();
            seen++;
            if (!List.of("queued", "in_progress").contains(now.getString("status"))) {
                assertEquals("completed", now.getString("status"));
                assertTrue(now.getLong("deliveries") >= 1, "the interaction read " + now.getString("status")
                        + " with no webhook delivery recorded (after " + seen + " readings)");
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the interaction did not end within 30 s");
    }

    private void sql(String statement) {
        pool.query(statement).execute().await().indefinitely();
    }
}
