package dev.wharf.network;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.egress.EgressProxy;
import dev.wharf.model.ScriptedOpenAiServer;
import dev.wharf.support.Api;
import dev.wharf.support.EgressSandboxes;
import dev.wharf.support.EgressTestProfile;
import dev.wharf.support.EgressUpstreams;
import dev.wharf.support.ScriptedModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The job egress exists for: an agent browses two pricing pages on allowlisted hosts (one over HTTP, one over
 * HTTPS), is refused a third, and writes what it found to out/prices.csv, which the caller downloads. The prices are
 * made up per run, so only pages really fetched through the proxy can produce the file.
 */
@QuarkusTest
@TestProfile(EgressTestProfile.class)
@QuarkusTestResource(ScriptedModel.class)
class EgressAgentTest {

    @Inject
    EgressProxy proxy;

    @Test
    void anAgentBrowsesTwoPricingPagesAndWritesACsv() {
        EgressSandboxes.awaitProxy(proxy);
        SecureRandom random = new SecureRandom();
        String priceA = (10 + random.nextInt(80)) + "." + (10 + random.nextInt(89));
        String priceB = (100 + random.nextInt(800)) + "." + (10 + random.nextInt(89));
        EgressUpstreams upstreams = EgressUpstreams.get();
        upstreams.page("pricing-a", "<html><head><title>Shop A pricing</title></head><body><h1>Pro plan</h1>"
                + "<p class=price>$" + priceA + " per month</p></body></html>");
        upstreams.page("pricing-b", "<html><head><title>Shop B pricing</title></head><body><h1>Team plan</h1>"
                + "<p class=price>$" + priceB + " per month</p></body></html>");
        String code = "import csv, os, re, requests\n"
                + "rows = []\n"
                + "for shop, url in [('Shop A', 'http://shop-a.test/page/pricing-a'),"
                + " ('Shop B', 'https://shop-b.test/page/pricing-b')]:\n"
                + "    price = re.search(r'\\$([0-9.]+)', requests.get(url, timeout=20).text).group(1)\n"
                + "    rows.append([shop, price])\n"
                + "os.makedirs('out', exist_ok=True)\n"
                + "with open('out/prices.csv', 'w', newline='') as f:\n"
                + "    csv.writer(f).writerows([['shop', 'monthly_usd']] + rows)\n"
                + "print(len(rows), 'prices')\n";
        ScriptedOpenAiServer model = ScriptedModel.server();
        model.reset();
        model.replyToolCall("browse", "{\"url\":\"http://shop-a.test/page/pricing-a\"}")
                .replyToolCall("browse", "{\"url\":\"https://shop-b.test/page/pricing-b\"}")
                .replyToolCall("browse", "{\"url\":\"http://other.test/pricing\"}")
                .replyToolCall("execute_code", new JsonObject().put("language", "python").put("code", code).encode())
                .reply("I wrote out/prices.csv with both prices.");

        // In the background: three browser starts and a script take longer than one HTTP request should wait.
        String id = given().contentType(ContentType.JSON).body(Map.of("agent", "default", "background", true,
                        "input", "Compare the prices of shop-a.test and shop-b.test and write out/prices.csv",
                        "agent_config", Map.of("type", "dynamic", "model", "openai/agent-model"),
                        "environment", Map.of("type", "remote", "network", Map.of("allowlist", List.of(
                                Map.of("domain", "shop-a.test"), Map.of("domain", "shop-b.test"))))))
                .post("/v1/interactions").then().statusCode(200).extract().path("id");
        JsonPath done = Api.awaitEnd(id, Duration.ofMinutes(3));
        assertEquals("completed", done.getString("status"), () -> given().get("/v1/interactions/" + id).asString());
        assertTrue(done.getList("x_artifacts.path").contains("out/prices.csv"));
        List<String> results = done.getList("steps.findAll { it.type == 'url_context_result' }.x_text");
        JsonPath finished = done;
        assertEquals(List.of("success", "success", "error"),
                done.getList("steps.findAll { it.type == 'url_context_result' }.collect { it.result[0].status }"),
                () -> finished.prettify());
        assertTrue(results.get(0).contains("$" + priceA), results.get(0));
        assertTrue(results.get(1).contains("$" + priceB), results.get(1));
        assertTrue(results.get(2).contains("other.test is not in this environment's allowlist"), results.get(2));
        String system = model.requests().get(0).getJsonArray("messages").getJsonObject(0).getString("content");
        assertTrue(system.contains("shop-a.test, shop-b.test"), "the agent is told what it can reach: " + system);

        String csv = given().queryParam("alt", "media")
                .get("/v1/environments/" + done.getString("environment_id") + "/files/out/prices.csv")
                .then().statusCode(200).extract().asString();
        assertEquals("shop,monthly_usd\r\nShop A," + priceA + "\r\nShop B," + priceB + "\r\n", csv);
        given().delete("/v1/environments/" + done.getString("environment_id"));
    }
}
