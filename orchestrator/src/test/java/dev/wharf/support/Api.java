package dev.wharf.support;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Calls the running application over HTTP the way a client would. */
public final class Api {
    private Api() {
    }

    /**
     * Points RestAssured at the application's actual (random) test port. Quarkus does this only around each
     * test method; class-level setup and teardown need it too.
     */
    public static void bindToRunningApp(java.net.URL application) {
        io.restassured.RestAssured.port = application.getPort();
    }

    public static String createEnvironment() {
        return createEnvironment(Map.of());
    }

    public static String createEnvironment(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body)
                .when().post("/v1/environments")
                .then().statusCode(200).body("status", equalTo("active"))
                .extract().path("id");
    }

    public static ValidatableResponse exec(String environmentId, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body)
                .when().post("/v1/environments/" + environmentId + ":exec")
                .then();
    }

    public static ValidatableResponse execOk(String environmentId, String command) {
        return exec(environmentId, Map.of("command", command)).statusCode(200).body("exit_code", equalTo(0));
    }

    public static void deleteEnvironment(String environmentId) {
        given().when().delete("/v1/environments/" + environmentId).then().statusCode(200);
    }

    /** Asserts the contract's error envelope with a matching HTTP status. */
    public static void assertError(ValidatableResponse response, int code, String status) {
        response.statusCode(code)
                .body("error.code", equalTo(code))
                .body("error.status", equalTo(status));
    }

    /**
     * Polls {@code GET /v1/interactions/{id}} until it is neither queued nor in progress, or {@code patience} ran
     * out; answers the last reading, whatever it says.
     */
    public static JsonPath awaitEnd(String interactionId, Duration patience) {
        Instant finish = Instant.now().plus(patience);
        JsonPath now;
        do {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            now = given().get("/v1/interactions/" + interactionId).then().statusCode(200).extract().jsonPath();
        } while (List.of("queued", "in_progress").contains(now.getString("status")) && Instant.now().isBefore(finish));
        return now;
    }
}
