package dev.wharf.environment;

import static dev.wharf.support.Api.assertError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.wharf.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Files in and out of a real sandbox, over HTTP, with the bytes compared end to end. */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnvironmentFilesTest {
    @TestHTTPResource
    java.net.URL application;

    @Inject
    DockerClient docker;

    String id;

    @BeforeAll
    void createEnvironment() {
        Api.bindToRunningApp(application);
        id = Api.createEnvironment(Map.of("sources", List.of(
                Map.of("type", "inline", "target", "input/hello.txt", "content", "hello from a source\n"))));
    }

    @AfterAll
    void deleteEnvironment() {
        Api.bindToRunningApp(application);
        given().delete("/v1/environments/" + id);
    }

    @Test
    void pythonWritesACsvThatDownloadsByteForByte() {
        String script = "import csv, os\n"
                + "os.makedirs('out', exist_ok=True)\n"
                + "with open('out/squares.csv', 'w', newline='') as f:\n"
                + "    w = csv.writer(f)\n"
                + "    w.writerow(['n', 'square'])\n"
                + "    for i in range(1, 101):\n"
                + "        w.writerow([i, i * i])\n";
        Api.exec(id, Map.of("command", List.of("python3", "-c", script))).statusCode(200).body("exit_code", equalTo(0));

        StringBuilder expected = new StringBuilder("n,square\r\n");
        for (int i = 1; i <= 100; i++) {
            expected.append(i).append(',').append(i * i).append("\r\n");
        }
        given().get("/v1/environments/" + id + "/files/out")
                .then().statusCode(200)
                .body("files.name", hasItem("squares.csv"))
                .body("files.find { it.name == 'squares.csv' }.size_bytes", equalTo(String.valueOf(expected.length())))
                .body("files.find { it.name == 'squares.csv' }.mime_type", equalTo("text/csv"))
                .body("files.find { it.name == 'squares.csv' }.path", equalTo("out/squares.csv"));
        byte[] downloaded = given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/out/squares.csv")
                .then().statusCode(200).contentType("text/csv").extract().asByteArray();
        assertEquals(expected.toString(), new String(downloaded));
    }

    @Test
    void inlineSourcesAreInTheWorkspaceFromTheStart() {
        String body = given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/input/hello.txt")
                .then().statusCode(200).extract().asString();
        assertEquals("hello from a source\n", body);
    }

    @Test
    void largeUploadRoundTripsUnchangedAndIsVisibleToCommands() throws Exception {
        byte[] content = new byte[24 * 1024 * 1024 + 17];
        new Random(42).nextBytes(content);
        given().contentType("application/octet-stream").body(new ByteArrayInputStream(content))
                .put("/upload/v1/environments/" + id + "/files/data/blob.bin")
                .then().statusCode(200)
                .body("path", equalTo("data/blob.bin"))
                .body("size_bytes", equalTo(String.valueOf(content.length)));

        String sha = sha256(content);
        Api.exec(id, Map.of("command", "sha256sum data/blob.bin | cut -d' ' -f1"))
                .statusCode(200).body("stdout", equalTo(sha + "\n"));

        InputStream download = given().queryParam("alt", "media")
                .get("/v1/environments/" + id + "/files/data/blob.bin")
                .then().statusCode(200).header("Content-Length", String.valueOf(content.length))
                .extract().asInputStream();
        assertEquals(sha, sha256(download.readAllBytes()));
    }

    @Test
    void resumableUploadProtocolOfTheSdks() {
        byte[] content = "a,b\n1,2\n".getBytes();
        String uploadUrl = given().header("X-Goog-Upload-Protocol", "resumable")
                .header("X-Goog-Upload-Command", "start")
                .header("X-Goog-Upload-Header-Content-Length", content.length)
                .contentType(ContentType.JSON).body("{}")
                .post("/upload/v1beta/environments/" + id + "/files/uploads/table.csv")
                .then().statusCode(200).header("X-Goog-Upload-Status", "active")
                .extract().header("X-Goog-Upload-URL");

        given().header("X-Goog-Upload-Command", "upload, finalize").header("X-Goog-Upload-Offset", "0")
                .body(content).post(uploadUrl)
                .then().statusCode(200).header("X-Goog-Upload-Status", "final")
                .body("path", equalTo("uploads/table.csv"));
        byte[] back = given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/uploads/table.csv")
                .then().statusCode(200).extract().asByteArray();
        assertArrayEquals(content, back);
    }

    @Test
    void pathsThatEscapeTheWorkspaceAreRefused() {
        Api.execOk(id, "ln -sf /etc/passwd escape-link && ln -sfn /etc escape-dir");
        assertError(given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/escape-link").then(),
                400, "INVALID_ARGUMENT");
        assertError(given().get("/v1/environments/" + id + "/files/escape-dir").then(), 400, "INVALID_ARGUMENT");
        assertError(given().body("x").put("/upload/v1/environments/" + id + "/files/escape-dir/owned").then(),
                400, "INVALID_ARGUMENT");
        assertError(given().urlEncodingEnabled(false).queryParam("alt", "media")
                .get("/v1/environments/" + id + "/files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd").then(), 400, "INVALID_ARGUMENT");
        assertError(given().urlEncodingEnabled(false).body("x")
                .put("/upload/v1/environments/" + id + "/files/..%2Foutside.txt").then(), 400, "INVALID_ARGUMENT");
        assertError(Api.exec(id, Map.of("command", "pwd", "cwd", "../..")), 400, "INVALID_ARGUMENT");
    }

    /**
     * User code swaps {@code race/d} between a real directory and a symlink to {@code /etc} as fast as
     * it can while the caller downloads {@code race/d/passwd}: every answer is the workspace's copy or a
     * clean refusal, never the image's {@code /etc/passwd} and never a server error.
     */
    @Test
    void aDirectorySwappedForALinkToEtcNeverServesTheImagesFiles() {
        String copy = "wharf workspace copy of passwd\n";
        String swapper = "import os\n"
                + "os.chdir('/workspace/race')\n"
                + "while not os.path.exists('stop'):\n"
                + "    os.rename('d', 'd.real')\n"
                + "    os.symlink('/etc', 'd')\n"
                + "    os.unlink('d')\n"
                + "    os.rename('d.real', 'd')\n"
                + "open('stopped', 'w').close()\n";
        given().body(copy).put("/upload/v1/environments/" + id + "/files/race/d/passwd").then().statusCode(200);
        given().body(swapper).put("/upload/v1/environments/" + id + "/files/race/swap.py").then().statusCode(200);
        assertEquals(copy, download("race/d/passwd").asString());
        Api.execOk(id, "grep -q '^root:x:0:0' /etc/passwd && ! grep -q '^root:x:0:0' race/d/passwd");

        Api.execOk(id, "timeout 120 python3 race/swap.py >/dev/null 2>&1 &");
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Response answer = download("race/d/passwd");
            String body = answer.asString();
            int status = answer.statusCode();
            if (body.contains("root:x:0:0")) {
                wrong.add(status + " with the image's /etc/passwd");
            } else if (status == 200 ? !body.equals(copy)
                    : status < 400 || status >= 500 || answer.jsonPath().getInt("error.code") != status) {
                wrong.add(status + " " + body);
            }
        }
        // The swapper stops within a round; the wait for it is bounded inside the sandbox.
        Api.execOk(id, "touch race/stop && for i in $(seq 100); do [ -e race/stopped ] && exit 0; sleep 0.1; done;"
                + " exit 1");
        Api.execOk(id, "rm -rf race");

        assertEquals(List.of(), wrong);
    }

    @Test
    void missingFilesAndEnvironmentsAre404() {
        assertError(given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/nope.txt").then(),
                404, "NOT_FOUND");
        assertError(given().get("/v1/environments/env_doesnotexist/files").then(), 404, "NOT_FOUND");
        assertError(given().queryParam("alt", "media").get("/v1/environments/env_doesnotexist/files/a").then(),
                404, "NOT_FOUND");
    }

    @Test
    void deleteRemovesContainerVolumeAndRecord() {
        String doomed = Api.createEnvironment();
        String container = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("dev.wharf.environment", doomed)).exec().get(0).getId();
        Api.execOk(doomed, "echo data > kept.txt");

        given().delete("/v1/environments/" + doomed).then().statusCode(200).body(equalTo("{}"));

        assertThrows(NotFoundException.class, () -> docker.inspectContainerCmd(container).exec());
        assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd("wharf-ws-" + doomed).exec());
        assertError(given().get("/v1/environments/" + doomed).then(), 404, "NOT_FOUND");
        assertError(given().delete("/v1/environments/" + doomed).then(), 404, "NOT_FOUND");
    }

    private Response download(String path) {
        return given().queryParam("alt", "media").get("/v1/environments/" + id + "/files/" + path);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
