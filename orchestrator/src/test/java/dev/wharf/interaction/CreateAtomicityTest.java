package dev.wharf.interaction;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.support.ScriptedModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A create is one transaction: the interaction, its input steps and its place in the queue commit together. A
 * fault injected into the database at the last of those writes (the input step's stop event) makes the create
 * answer an error in the contract's format and leaves nothing behind: no interaction, no events, nothing queued,
 * no model called. Without the fault the same request is accepted and runs.
 */
@QuarkusTest
@QuarkusTestResource(ScriptedModel.class)
class CreateAtomicityTest {
    private static final String MARK = "fail-this-create-" + Long.toHexString(System.nanoTime());

    @Inject
    Pool pool;

    @BeforeEach
    void injectFault() {
        ScriptedModel.server().reset();
        sql("CREATE OR REPLACE FUNCTION wharf_test_injected_fault() RETURNS trigger AS $$ BEGIN"
                + " IF NEW.event_type = 'step.stop' AND NEW.payload::text LIKE '%" + MARK + "%' THEN"
                + " RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
        sql("DROP TRIGGER IF EXISTS wharf_test_injected_fault ON interaction_event");
        sql("CREATE TRIGGER wharf_test_injected_fault BEFORE INSERT ON interaction_event FOR EACH ROW"
                + " EXECUTE FUNCTION wharf_test_injected_fault()");
    }

    @AfterEach
    void removeFault() {
        sql("DROP TRIGGER IF EXISTS wharf_test_injected_fault ON interaction_event");
        sql("DROP FUNCTION IF EXISTS wharf_test_injected_fault()");
    }

    @Test
    void aModelCallThatFailsBeforeItsCommitLeavesNothing() {
        assertRefusedLeavingNothing(Map.of("model", "openai/test", "input", "Say " + MARK));
    }

    @Test
    void anAgentTaskThatFailsBeforeItsCommitIsNotQueued() {
        assertRefusedLeavingNothing(Map.of("agent", "default", "background", true, "input", "Do " + MARK,
                "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model")));
    }

    @Test
    void withoutTheFaultTheSameCreateIsAccepted() {
        ScriptedModel.server().reply("said");
        String id = given().contentType(ContentType.JSON).body(Map.of("model", "openai/test", "input", "Say hello"))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        assertEquals(1L, count("SELECT count(*) FROM interaction WHERE id = $1", id));
        assertTrue(count("SELECT count(*) FROM interaction_event WHERE interaction_id = $1"
                + " AND event_type = 'step.stop'", id) >= 2, "the input step and the answer are logged");
    }

    private void assertRefusedLeavingNothing(Map<String, Object> body) {
        long before = count("SELECT count(*) FROM interaction WHERE request::text LIKE '%" + MARK + "%'");
        Response answer = given().contentType(ContentType.JSON).body(body).post("/v1/interactions");

        assertTrue(answer.statusCode() >= 500, "a create that did not commit is an error: " + answer.asString());
        assertTrue(answer.jsonPath().getInt("error.code") >= 500, answer.asString());
        assertTrue(!answer.jsonPath().getString("error.message").isBlank(), answer.asString());
        assertEquals(before, count("SELECT count(*) FROM interaction WHERE request::text LIKE '%" + MARK + "%'"),
                "nothing of the refused create was stored");
        assertEquals(0, ScriptedModel.server().requestCount(), "no model was called for it");
        String listed = given().get("/v1/interactions?page_size=100").then().statusCode(200).extract().asString();
        assertTrue(!listed.contains(MARK), "the list shows no trace of it: " + listed);
    }

    private void sql(String statement) {
        pool.query(statement).execute().await().indefinitely();
    }

    private long count(String query, Object... args) {
        return pool.preparedQuery(query).execute(Tuple.from(args)).await().indefinitely().iterator().next()
                .getLong(0);
    }
}
