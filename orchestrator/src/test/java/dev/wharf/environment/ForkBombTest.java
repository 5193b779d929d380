package dev.wharf.environment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Fork bombs in a real sandbox (pids limit 512): the bomb's command is killed with every process it started,
 * says why, and the next command runs in a sandbox that is still active and answering.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForkBombTest {
    private static final String BOMB = ":(){ :|:& };:";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TestHTTPResource("/")
    java.net.URL application;

    String id;

    @BeforeAll
    void createEnvironment() {
        Api.bindToRunningApp(application);
        id = Api.createEnvironment();
    }

    @AfterAll
    void deleteEnvironment() {
        Api.bindToRunningApp(application);
        given().delete("/v1/environments/" + id);
    }

    @Test
    void aBombIsKilledWithItsWholeTreeAndTheNextCommandWorks() {
        Api.exec(id, Map.of("command", BOMB + "; sleep 300", "timeout_seconds", 120)).statusCode(200)
                .body("process_limit_killed", equalTo(true))
                .body("timed_out", equalTo(false))
                .body("exit_code", equalTo(137));
        assertRecovered();
    }

    @Test
    void aBombLeftRunningInTheBackgroundIsFoundAndKilledToo() {
        // The command itself ends at once; its orphans multiply after it.
        Api.execOk(id, "(" + BOMB + ") >/dev/null 2>&1 &");
        assertRecovered();
    }

    /** Commands run again, no bomb process is left, and the environment never stopped being active. */
    private void assertRecovered() {
        long until = System.nanoTime() + PATIENCE.toNanos();
        ValidatableResponse answer;
        while (true) {
            answer = Api.exec(id, Map.of("command", "ps -e --no-headers | wc -l", "timeout_seconds", 10));
            int status = answer.extract().statusCode();
            // Empty while the shell finds no process for wc.
            String count = status == 200 ? answer.extract().path("stdout").toString().trim() : "";
            if (!count.isEmpty() && Integer.parseInt(count) < 20) {
                break;
            }
            // While the guard works, a command may find no process to start: a 429 that says so.
            if (status != 200 && status != 429) {
                fail("unexpected answer " + status + ": " + answer.extract().asString());
            }
            if (System.nanoTime() > until) {
                fail("the sandbox did not recover: " + answer.extract().asString());
            }
            pause();
        }
        Api.execOk(id, "echo alive").body("stdout", equalTo("alive\n"));
        given().get("/v1/environments/" + id).then().statusCode(200).body("status", equalTo("active"));
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
