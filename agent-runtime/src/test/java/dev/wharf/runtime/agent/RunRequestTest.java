package dev.wharf.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.gateway.GatewayClient;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunRequestTest {

    @Test
    void onlyTheRunAndItsGatewayAreRequired() {
        RunRequest request = RunRequest.fromJson(minimal());

        assertEquals("run_1", request.runId());
        assertEquals(URI.create("http://172.18.0.1:7071/v1/runs/run_1"), request.gatewayUrl());
        assertNull(request.builtinTools());
        assertEquals(RunRequest.DEFAULT_MAX_STEPS, request.maxSteps());
        assertEquals(RunRequest.DEFAULT_TOOL_TIMEOUT, request.toolLimits().timeout());
        assertEquals(RunRequest.DEFAULT_MAX_OUTPUT_BYTES, request.toolLimits().maxOutputBytes());
        assertEquals(GatewayClient.DEFAULT_RETRY_WINDOW, request.gatewayRetryWindow());
    }

    @Test
    void optionsAreTaken() {
        Map<String, Object> json = minimal();
        json.put("gateway_url", "https://cp.internal/v1/runs/run_1/");
        json.put("builtin_tools", List.of("browse", "read_file"));
        json.put("max_steps", 7);
        json.put("tool_timeout_seconds", 2.5);
        json.put("max_output_bytes", 0);
        json.put("gateway_retry_seconds", 0);
        json.put("unknown_field", true);

        RunRequest request = RunRequest.fromJson(json);

        assertEquals(URI.create("https://cp.internal/v1/runs/run_1"), request.gatewayUrl());
        assertEquals(List.of("browse", "read_file"), request.builtinTools());
        assertEquals(7, request.maxSteps());
        assertEquals(Duration.ofMillis(2500), request.toolLimits().timeout());
        assertEquals(0, request.toolLimits().maxOutputBytes());
        assertEquals(Duration.ZERO, request.gatewayRetryWindow());
    }

    @Test
    void invalidFieldsAreRefusedNamingTheField() {
        List<Object[]> cases = List.of(
                new Object[] {"run_id", null}, new Object[] {"run_id", "a/b"}, new Object[] {"run_id", ""},
                new Object[] {"gateway_url", "ftp://x/y"}, new Object[] {"gateway_url", "http://x/y?q=1"},
                new Object[] {"gateway_url", 5}, new Object[] {"gateway_token", " "},
                new Object[] {"gateway_token", "a\nb"}, new Object[] {"builtin_tools", "execute_code"},
                new Object[] {"builtin_tools", List.of("execute_code", "fly")}, new Object[] {"max_steps", 0},
                new Object[] {"max_steps", RunRequest.MAX_STEPS_CEILING + 1}, new Object[] {"max_steps", 1.5},
                new Object[] {"tool_timeout_seconds", 0}, new Object[] {"tool_timeout_seconds", "60"},
                new Object[] {"max_output_bytes", -1}, new Object[] {"gateway_retry_seconds", -1},
                new Object[] {"gateway_retry_seconds", RunRequest.MAX_RETRY_WINDOW.toSeconds() + 1});
        for (Object[] badCase : cases) {
            Map<String, Object> json = minimal();
            json.put((String) badCase[0], badCase[1]);

            RequestException refusal = assertThrows(RequestException.class, () -> RunRequest.fromJson(json),
                    Arrays.toString(badCase));

            assertEquals(ErrorStatus.INVALID_ARGUMENT, refusal.status());
            assertTrue(refusal.getMessage().contains((String) badCase[0])
                    || (badCase[0].equals("builtin_tools") && refusal.getMessage().contains("tool")),
                    refusal.getMessage());
        }
    }

    @Test
    void theTokenNeverShowsInTheDescription() {
        assertFalse(RunRequest.fromJson(minimal()).toString().contains("s3cret"));
    }

    private static Map<String, Object> minimal() {
        Map<String, Object> json = new HashMap<>();
        json.put("run_id", "run_1");
        json.put("gateway_url", "http://172.18.0.1:7071/v1/runs/run_1");
        json.put("gateway_token", "s3cret-token");
        return json;
    }
}
