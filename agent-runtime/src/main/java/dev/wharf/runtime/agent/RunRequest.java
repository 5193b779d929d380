package dev.wharf.runtime.agent;

import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.exec.ExecRequest;
import dev.wharf.runtime.gateway.GatewayClient;
import dev.wharf.runtime.tools.BuiltinTools;
import dev.wharf.runtime.tools.ToolLimits;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /agent/runs} body. Unknown fields are ignored, like everywhere in this API.
 *
 * @param builtinTools null for all built-in tools
 */
public record RunRequest(String runId, URI gatewayUrl, String gatewayToken, List<String> builtinTools,
                         int maxSteps, ToolLimits toolLimits, Duration gatewayRetryWindow) {

    public static final int DEFAULT_MAX_STEPS = 50;
    /** A runaway loop costs tokens on the control plane's side; it caps the budget, we cap this. */
    public static final int MAX_STEPS_CEILING = 1000;
    public static final Duration DEFAULT_TOOL_TIMEOUT = Duration.ofSeconds(300);
    /** Per stream, per call: model context, not the daemon's heap, is the scarce thing here. */
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 128 * 1024;
    /** Longer than any control plane restart; past it a silent sandbox is better off giving up. */
    public static final Duration MAX_RETRY_WINDOW = Duration.ofHours(1);

    /** Run ids go into paths and logs: a conservative alphabet keeps them harmless in both. */
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final long MILLIS_PER_SECOND = 1000;

    public static RunRequest fromJson(Map<String, Object> json) {
        return new RunRequest(runId(json.get("run_id")), gatewayUrl(json.get("gateway_url")),
                gatewayToken(json.get("gateway_token")), builtinTools(json.get("builtin_tools")),
                maxSteps(json.get("max_steps")),
                new ToolLimits(toolTimeout(json.get("tool_timeout_seconds")), maxOutputBytes(json.get("max_output_bytes"))),
                retryWindow(json.get("gateway_retry_seconds")));
    }

    /** Never prints the token, which would otherwise end up in any log line that shows the request. */
    @Override
    public String toString() {
        return "RunRequest[runId=" + runId + ", gatewayUrl=" + gatewayUrl + ", builtinTools=" + builtinTools
                + ", maxSteps=" + maxSteps + ", toolLimits=" + toolLimits + "]";
    }

    private static String runId(Object value) {
        if (!(value instanceof String) || !RUN_ID.matcher((String) value).matches()) {
            throw RequestException.invalid("run_id is required: 1 to 128 letters, digits, '.', '_', ':' or '-'");
        }
        return (String) value;
    }

    private static URI gatewayUrl(Object value) {
        if (!(value instanceof String)) {
            throw RequestException.invalid("gateway_url is required");
        }
        String url = (String) value;
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && uri.getQuery() == null && uri.getFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // Reported below.
        }
        throw RequestException.invalid("gateway_url must be an http or https URL without query or fragment");
    }

    private static String gatewayToken(Object value) {
        if (!(value instanceof String) || ((String) value).isBlank()) {
            throw RequestException.invalid("gateway_token is required");
        }
        String token = (String) value;
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) < ' ' || token.charAt(i) > '~') {
                throw RequestException.invalid("gateway_token must be printable ASCII");
            }
        }
        return token;
    }

    private static List<String> builtinTools(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof List)) {
            throw RequestException.invalid("builtin_tools must be a list of tool names, or null for all");
        }
        List<String> names = new ArrayList<>();
        for (Object name : (List<?>) value) {
            if (!(name instanceof String) || !BuiltinTools.NAMES.contains(name)) {
                throw RequestException.invalid("unknown built-in tool " + name + "; known: "
                        + String.join(", ", BuiltinTools.NAMES));
            }
            names.add((String) name);
        }
        return List.copyOf(names);
    }

    private static int maxSteps(Object value) {
        if (value == null) {
            return DEFAULT_MAX_STEPS;
        }
        if (!isIntegral(value) || ((Number) value).doubleValue() < 1
                || ((Number) value).doubleValue() > MAX_STEPS_CEILING) {
            throw RequestException.invalid("max_steps must be an integer from 1 to " + MAX_STEPS_CEILING);
        }
        return ((Number) value).intValue();
    }

    private static int maxOutputBytes(Object value) {
        if (value == null) {
            return DEFAULT_MAX_OUTPUT_BYTES;
        }
        if (!isIntegral(value) || ((Number) value).doubleValue() < 0
                || ((Number) value).doubleValue() > ExecRequest.MAX_OUTPUT_BYTES_CEILING) {
            throw RequestException.invalid("max_output_bytes must be an integer from 0 to "
                    + ExecRequest.MAX_OUTPUT_BYTES_CEILING);
        }
        return ((Number) value).intValue();
    }

    /** Like exec's timeout_seconds: any positive number, fractions allowed, capped by the control plane. */
    private static Duration toolTimeout(Object value) {
        if (value == null) {
            return DEFAULT_TOOL_TIMEOUT;
        }
        double seconds = value instanceof Number ? ((Number) value).doubleValue() : Double.NaN;
        if (!(seconds > 0)) {
            throw RequestException.invalid("tool_timeout_seconds must be a positive number");
        }
        double millis = Math.ceil(seconds * MILLIS_PER_SECOND);
        return Duration.ofMillis(millis >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) millis);
    }

    private static Duration retryWindow(Object value) {
        if (value == null) {
            return GatewayClient.DEFAULT_RETRY_WINDOW;
        }
        double seconds = value instanceof Number ? ((Number) value).doubleValue() : Double.NaN;
        if (!(seconds >= 0 && seconds <= MAX_RETRY_WINDOW.toSeconds())) {
            throw RequestException.invalid("gateway_retry_seconds must be a number from 0 to "
                    + MAX_RETRY_WINDOW.toSeconds());
        }
        return Duration.ofMillis((long) Math.ceil(seconds * MILLIS_PER_SECOND));
    }

    private static boolean isIntegral(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof BigInteger;
    }
}
