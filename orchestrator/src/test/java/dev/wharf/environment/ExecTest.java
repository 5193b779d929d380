package dev.wharf.environment;

import static dev.wharf.support.Api.assertError;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import dev.wharf.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Commands in a real sandbox: results, limits and refusals as a caller sees them. */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecTest {
    @TestHTTPResource
    java.net.URL application;

    String id;

    @BeforeAll
    void createEnvironment() {
        Api.bindToRunningApp(application);
        id = Api.createEnvironment(Map.of("env", Map.of("GREETING", "hej")));
    }

    @AfterAll
    void deleteEnvironment() {
        Api.bindToRunningApp(application);
        RestAssured.given().delete("/v1/environments/" + id);
    }

    @Test
    void shellStringRunsInTheWorkspaceWithTheEnvironmentVariables() {
        Api.exec(id, Map.of("command", "echo $GREETING $EXTRA from $(pwd); echo oops >&2; exit 3",
                        "env", Map.of("EXTRA", "there")))
                .statusCode(200)
                .body("exit_code", equalTo(3))
                .body("stdout", equalTo("hej there from /workspace\n"))
                .body("stderr", equalTo("oops\n"))
                .body("timed_out", equalTo(false));
    }

    @Test
    void argvListIsNotInterpretedByAShell() {
        Api.exec(id, Map.of("command", List.of("echo", "$HOME", "a;b")))
                .statusCode(200).body("stdout", equalTo("$HOME a;b\n"));
    }

    @Test
    void sandboxSecretsAreNotVisibleToCommands() {
        Api.exec(id, Map.of("command", "env"))
                .statusCode(200).body("stdout", not(containsString("WHARF_SANDBOX_TOKEN")));
    }

    @Test
    void commandPastItsTimeoutIsKilledAndReported() {
        Api.exec(id, Map.of("command", "echo started; sleep 60; echo never", "timeout_seconds", 2))
                .statusCode(200)
                .body("timed_out", equalTo(true))
                .body("stdout", equalTo("started\n"))
                .body("duration_ms", lessThan(10_000));
        // The sandbox is still usable afterwards.
        Api.execOk(id, "true");
    }

    @Test
    void memoryHogIsOomKilledAndTheSandboxSurvives() {
        // The test profile limits sandboxes to 512 MiB; this asks for 1 GiB, touched page by page.
        Api.exec(id, Map.of("command", List.of("python3", "-c", "x = bytearray(1024 * 1024 * 1024)"),
                        "timeout_seconds", 60))
                .statusCode(200)
                .body("oom_killed", equalTo(true))
                .body("exit_code", equalTo(137))
                .body("timed_out", equalTo(false));
        Api.execOk(id, "echo still here").body("stdout", equalTo("still here\n"));
    }

    @Test
    void outputBeyondTheCapIsCutAndFlagged() {
        Api.exec(id, Map.of("command", "head -c 3000000 /dev/zero | tr '\\0' 'x'"))
                .statusCode(200)
                .body("exit_code", equalTo(0))
                .body("stdout_truncated", equalTo(true))
                .body("stdout.length()", equalTo(1_048_576))
                .body("stderr_truncated", equalTo(false));
    }

    @Test
    void backgroundChildrenDoNotHoldTheCallOpen() {
        Api.exec(id, Map.of("command", "sleep 120 & echo detached", "timeout_seconds", 30))
                .statusCode(200).body("stdout", equalTo("detached\n")).body("duration_ms", lessThan(10_000));
    }

    @Test
    void badRequestsGetClearErrors() {
        assertError(Api.exec(id, Map.of("timeout_seconds", 5)), 400, "INVALID_ARGUMENT");
        assertError(Api.exec(id, Map.of("command", "")), 400, "INVALID_ARGUMENT");
        assertError(Api.exec(id, Map.of("command", List.of(1, 2))), 400, "INVALID_ARGUMENT");
        assertError(Api.exec(id, Map.of("command", "true", "timeout_seconds", -1)), 400, "INVALID_ARGUMENT");
        assertError(Api.exec(id, Map.of("command", "true", "timeout_seconds", 999_999)), 400, "INVALID_ARGUMENT");
        assertError(Api.exec(id, Map.of("command", "true", "env", Map.of("WHARF_SANDBOX_TOKEN", "x"))),
                400, "INVALID_ARGUMENT");
        assertError(RestAssured.given().contentType("application/json").body("{not json")
                .post("/v1/environments/" + id + ":exec").then(), 400, "INVALID_ARGUMENT");
        assertError(Api.exec("env_missing", Map.of("command", "true")), 404, "NOT_FOUND");
    }
}
