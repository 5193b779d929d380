package dev.wharf.environment;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.sandbox.docker.DaemonTokenFiles;
import dev.wharf.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * User code attacks the daemon that runs it, from inside a real sandbox: every way to its token, its memory or
 * its control must be refused by the kernel, and the daemon must keep serving afterwards.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonIntegrityTest {

    @TestHTTPResource("/")
    java.net.URL application;
    @Inject
    DaemonTokenFiles tokens;

    String id;
    String token;

    @BeforeAll
    void createEnvironment() throws IOException {
        Api.bindToRunningApp(application);
        id = Api.createEnvironment();
        token = Files.readString(tokens.file(id), StandardCharsets.UTF_8).strip();
        assertTrue(token.length() >= 20, "the daemon has a real token");
    }

    @AfterAll
    void deleteEnvironment() {
        Api.bindToRunningApp(application);
        RestAssured.given().delete("/v1/environments/" + id);
    }

    /** The java process in the sandbox: the daemon. */
    private String daemonPid() {
        String pid = Api.execOk(id, "pgrep -o java").extract().path("stdout").toString().trim();
        assertFalse(pid.isEmpty(), "the daemon runs");
        return pid;
    }

    @Test
    void userCodeRunsAsAnotherUnprivilegedUserThanTheDaemon() {
        String pid = daemonPid();
        Api.execOk(id, "id -u; id -g").body("stdout", equalTo("1000\n1000\n"));
        Api.execOk(id, "ps -o uid= -p " + pid + " | tr -d ' '; ps -o uid= -p 1 | tr -d ' '")
                .body("stdout", equalTo("1001\n1001\n"));
        Api.execOk(id, "grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status")
                .body("stdout", equalTo("CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
                        + "CapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n"));
    }

    @Test
    void theTokenIsInNoEnvironmentAndNoFileUserCodeCanRead() {
        String pid = daemonPid();
        Api.exec(id, Map.of("command", "cat /proc/" + pid + "/environ")).statusCode(200)
                .body("exit_code", not(equalTo(0))).body("stderr", containsString("Permission denied"));
        Api.exec(id, Map.of("command", "cat /run/wharf/token")).statusCode(200)
                .body("exit_code", not(equalTo(0))).body("stderr", containsString("Permission denied"));
        // Every environment, command line and file user code can read: the token is in none of them.
        String everything = Api.exec(id, Map.of("command", "{ cat /proc/*/environ /proc/*/cmdline; env; ps auxe; "
                        + "grep -rs . /run /tmp /home /workspace /opt/wharf --exclude='*.jar' --exclude='*.jsa'; }"
                        + " 2>/dev/null | tr '\\0' '\\n'", "timeout_seconds", 60))
                .statusCode(200).extract().path("stdout");
        assertFalse(everything.isEmpty(), "the sweep read something");
        assertFalse(everything.contains(token), "the token leaked into what user code can read");
    }

    @Test
    void userCodeCannotReadTheDaemonsMemoryOrPtraceIt() {
        String pid = daemonPid();
        Api.exec(id, Map.of("command", "dd if=/proc/" + pid + "/mem bs=1 count=1 skip=4194304")).statusCode(200)
                .body("exit_code", not(equalTo(0))).body("stderr", containsString("Permission denied"));
        Api.exec(id, Map.of("command", "cat /proc/" + pid + "/maps")).statusCode(200)
                .body("exit_code", not(equalTo(0)));
        // PTRACE_ATTACH (16) through libc: EPERM (1) for another uid.
        Api.execOk(id, "python3 -c \"import ctypes, os; libc = ctypes.CDLL(None, use_errno=True);"
                        + " r = libc.ptrace(16, " + pid + ", 0, 0); print(r, ctypes.get_errno())\"")
                .body("stdout", equalTo("-1 1\n"));
    }

    @Test
    void userCodeCannotSignalTheDaemonNorAttachToItsJvm() {
        String pid = daemonPid();
        for (String signal : new String[] {"STOP", "KILL", "TERM", "QUIT"}) {
            Api.exec(id, Map.of("command", "kill -" + signal + " " + pid + "; kill -" + signal + " 1"))
                    .statusCode(200).body("exit_code", not(equalTo(0)))
                    .body("stderr", containsString("Operation not permitted"));
        }
        // The HotSpot attach handshake: an .attach_pid file, then SIGQUIT. The signal is refused, and the daemon's
        // JVM runs with the attach mechanism off in any case, so no attach socket ever appears.
        Api.exec(id, Map.of("command", "touch /tmp/.attach_pid" + pid + "; kill -QUIT " + pid + "; sleep 1;"
                        + " ls -a /tmp | grep -c java_pid"))
                .statusCode(200).body("stdout", equalTo("0\n"));
        Api.execOk(id, "tr '\\0' ' ' < /proc/" + pid + "/cmdline")
                .body("stdout", containsString("-XX:+DisableAttachMechanism"));
        // After all of it the daemon serves, with the same token.
        Api.execOk(id, "echo still here").body("stdout", equalTo("still here\n"));
    }

    @Test
    void filesTheDaemonWritesBelongToTheUserCodeCanChangeThem() {
        RestAssured.given().contentType("application/octet-stream").body("echo ran\n".getBytes(StandardCharsets.UTF_8))
                .put("/upload/v1/environments/" + id + "/files/tools/run.sh?upload_type=media")
                .then().statusCode(200);
        Api.execOk(id, "stat -c %u:%g tools tools/run.sh").body("stdout", equalTo("1000:1000\n1000:1000\n"));
        Api.execOk(id, "chmod +x tools/run.sh && ./tools/run.sh && echo more >> tools/run.sh && rm -r tools")
                .body("stdout", equalTo("ran\n"));
        // And the other way: what user code makes unreadable to others the daemon still serves.
        Api.execOk(id, "echo private > secret.txt && chmod 000 secret.txt"
                + " && mkdir locked && echo inner > locked/inner.txt && chmod 000 locked");
        assertEquals("private\n", RestAssured.given().get("/v1/environments/" + id + "/files/secret.txt?alt=media")
                .then().statusCode(200).extract().asString());
        assertEquals("inner\n", RestAssured.given()
                .get("/v1/environments/" + id + "/files/locked/inner.txt?alt=media")
                .then().statusCode(200).extract().asString());
    }
}
