package dev.wharf.runtime.exec;

import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.http.RequestText;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated {@code POST /exec} body. Unknown fields are ignored, so the control plane can add
 * options before every runtime in the fleet understands them.
 *
 * @param argv           what to run; a string command has already become {@code bash -c <string>}
 * @param cwd            relative to the workspace; null means the workspace itself
 * @param maxOutputBytes how much of stdout, and separately of stderr, to keep
 */
public record ExecRequest(List<String> argv, Duration timeout, String cwd, Map<String, String> env,
                          int maxOutputBytes) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
    /**
     * The daemon runs with a 64 MiB heap; two streams held as bytes and then as a string, for a few
     * concurrent commands, must stay well inside it.
     */
    public static final int MAX_OUTPUT_BYTES_CEILING = 4 << 20;

    private static final long MILLIS_PER_SECOND = 1000;

    public static ExecRequest fromJson(Map<String, Object> json) {
        return new ExecRequest(argv(json.get("command")), timeout(json.get("timeout_seconds")),
                cwd(json.get("cwd")), env(json.get("env")), maxOutputBytes(json.get("max_output_bytes")));
    }

    private static List<String> argv(Object command) {
        if (command instanceof String) {
            String script = (String) command;
            if (script.isBlank()) {
                throw RequestException.invalid("command must not be empty");
            }
            RequestText.require("command", script);
            return List.of("bash", "-c", script);
        }
        if (command instanceof List) {
            List<?> items = (List<?>) command;
            if (items.isEmpty()) {
                throw RequestException.invalid("command must not be empty");
            }
            List<String> argv = new ArrayList<>(items.size());
            for (Object item : items) {
                if (!(item instanceof String)) {
                    throw RequestException.invalid("every element of command must be a string");
                }
                argv.add(RequestText.require("command[" + argv.size() + "]", (String) item));
            }
            if (argv.get(0).isEmpty()) {
                throw RequestException.invalid("the program to run (command[0]) must not be empty");
            }
            return List.copyOf(argv);
        }
        if (command == null) {
            throw RequestException.invalid("command is required");
        }
        throw RequestException.invalid("command must be a string or a list of strings");
    }

    private static Duration timeout(Object seconds) {
        if (seconds == null) {
            return DEFAULT_TIMEOUT;
        }
        if (!(seconds instanceof Number) || !(((Number) seconds).doubleValue() > 0)) {
            throw RequestException.invalid("timeout_seconds must be a positive number");
        }
        // Fractions are allowed; whatever the caller passes is the limit (the control plane caps it).
        double millis = Math.ceil(((Number) seconds).doubleValue() * MILLIS_PER_SECOND);
        return Duration.ofMillis(millis >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) millis);
    }

    private static String cwd(Object cwd) {
        if (cwd == null || cwd instanceof String) {
            // Checked as a path by the workspace (NUL, lone surrogates, confinement) when the command starts.
            return (String) cwd;
        }
        throw RequestException.invalid("cwd must be a string");
    }

    private static Map<String, String> env(Object env) {
        if (env == null) {
            return Map.of();
        }
        if (!(env instanceof Map)) {
            throw RequestException.invalid("env must be an object of strings");
        }
        Map<String, String> variables = new LinkedHashMap<>();
        for (Map.Entry<?, ?> variable : ((Map<?, ?>) env).entrySet()) {
            String name = String.valueOf(variable.getKey());
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                throw RequestException.invalid("env name is not valid: " + name.replace('\0', ' '));
            }
            RequestText.require("env name", name);
            if (!(variable.getValue() instanceof String) || ((String) variable.getValue()).indexOf('\0') >= 0) {
                throw RequestException.invalid("env value of " + name + " must be a string without NUL characters");
            }
            RequestText.require("env value of " + name, (String) variable.getValue());
            variables.put(name, (String) variable.getValue());
        }
        return variables;
    }

    private static int maxOutputBytes(Object bytes) {
        if (bytes == null) {
            return DEFAULT_MAX_OUTPUT_BYTES;
        }
        boolean integral = bytes instanceof Integer || bytes instanceof Long || bytes instanceof BigInteger;
        if (!integral || ((Number) bytes).doubleValue() < 0
                || ((Number) bytes).doubleValue() > MAX_OUTPUT_BYTES_CEILING) {
            throw RequestException.invalid("max_output_bytes must be an integer from 0 to " + MAX_OUTPUT_BYTES_CEILING);
        }
        return ((Number) bytes).intValue();
    }
}
