package dev.wharf.environment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Validates request bodies into what the sandbox is asked to do; every refusal names the field. */
final class EnvironmentRequests {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String RESERVED_PREFIX = "WHARF_";

    private EnvironmentRequests() {
    }

    static Map<String, String> envVars(Map<String, String> env, String field) {
        if (env == null) {
            return Map.of();
        }
        env.forEach((name, value) -> {
            checkName(name, field);
            if (value == null) {
                throw ApiException.invalidArgument(field + "." + name + " must be a string");
            }
        });
        return env;
    }

    /**
     * The environment variables of a sandbox: plain values, and credentials the sandbox sees only as a placeholder
     * that the egress proxy replaces on the way out (see {@link SandboxEnv}).
     */
    record EnvSpec(Map<String, String> values, Map<String, String> credentials) {
        static final EnvSpec NONE = new EnvSpec(Map.of(), Map.of());
    }

    /** Reads {@code env}: {@code {NAME: "value" | {value} | {credential}}}; every refusal names the variable. */
    static EnvSpec env(Map<String, JsonNode> env, String field) {
        if (env == null) {
            return EnvSpec.NONE;
        }
        Map<String, String> values = new java.util.LinkedHashMap<>();
        Map<String, String> credentials = new java.util.LinkedHashMap<>();
        env.forEach((name, value) -> {
            checkName(name, field);
            String at = field + "." + name;
            if (value != null && value.isTextual()) {
                values.put(name, value.asText());
            } else if (value != null && value.isObject()) {
                java.util.Iterator<String> fields = value.fieldNames();
                while (fields.hasNext()) {
                    String member = fields.next();
                    if (!member.equals("value") && !member.equals("credential")) {
                        throw ApiException.invalidArgument(at + "." + member + " is not a known field (value,"
                                + " credential)");
                    }
                }
                JsonNode plain = value.get("value");
                JsonNode credential = value.get("credential");
                boolean hasPlain = plain != null && !plain.isNull();
                boolean hasCredential = credential != null && !credential.isNull();
                if (hasPlain == hasCredential) {
                    throw ApiException.invalidArgument(at + " must have exactly one of value or credential");
                }
                if (hasPlain && !plain.isTextual()) {
                    throw ApiException.invalidArgument(at + ".value must be a string");
                }
                if (hasCredential && (!credential.isTextual()
                        || !dev.wharf.api.ResourceIds.isChosenId(credential.asText()))) {
                    throw ApiException.invalidArgument(at + ".credential must be the id of a credential (see"
                            + " /v1/credentials)");
                }
                if (hasPlain) {
                    values.put(name, plain.asText());
                } else {
                    credentials.put(name, credential.asText());
                }
            } else {
                throw ApiException.invalidArgument(at + " must be a string or {\"value\": ...} or {\"credential\": ...}");
            }
        });
        return new EnvSpec(Map.copyOf(values), Map.copyOf(credentials));
    }

    private static void checkName(String name, String field) {
        if (!ENV_NAME.matcher(name).matches()) {
            throw ApiException.invalidArgument(field + ": '" + name + "' is not a valid variable name");
        }
        if (name.startsWith(RESERVED_PREFIX)) {
            throw ApiException.invalidArgument(field + ": names starting with WHARF_ are reserved");
        }
    }

    /** Decodes inline sources to the bytes to write, refusing anything that is not inline. */
    static List<DecodedSource> sources(List<CreateEnvironmentRequest.Source> sources) {
        if (sources == null) {
            return List.of();
        }
        return sources.stream().map(source -> {
            if (source == null || !"inline".equals(source.type())) {
                throw ApiException.invalidArgument("sources[].type must be \"inline\"");
            }
            if (source.target() == null || source.target().isBlank()) {
                throw ApiException.invalidArgument("sources[].target is required");
            }
            String content = source.content() == null ? "" : source.content();
            String encoding = source.encoding() == null ? "utf-8" : source.encoding().toLowerCase();
            byte[] bytes = switch (encoding) {
                case "utf-8", "utf8", "text" -> content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                case "base64" -> {
                    try {
                        yield Base64.getDecoder().decode(content);
                    } catch (IllegalArgumentException e) {
                        throw ApiException.invalidArgument("sources[" + source.target() + "].content is not valid base64");
                    }
                }
                default -> throw ApiException.invalidArgument("sources[].encoding must be \"utf-8\" or \"base64\"");
            };
            return new DecodedSource(filePath(source.target(), "sources[].target"), bytes);
        }).toList();
    }

    record DecodedSource(String target, byte[] content) {
    }

    /** What the daemon is asked to run, and how long the call to it may take. */
    record ExecPlan(JsonObject daemonRequest, Duration timeout) {
    }

    /** Builds the daemon's exec request, applying the default and maximum timeouts. */
    static ExecPlan exec(ExecRequest request, EnvironmentConfig config) {
        if (request == null || request.command() == null) {
            throw ApiException.invalidArgument("command is required: a bash string or a list of arguments");
        }
        JsonNode command = request.command();
        Object daemonCommand;
        if (command.isTextual() && !command.asText().isBlank()) {
            daemonCommand = command.asText();
        } else if (command.isArray() && command.size() > 0) {
            JsonArray argv = new JsonArray();
            command.forEach(arg -> {
                if (!arg.isTextual()) {
                    throw ApiException.invalidArgument("command: every argument must be a string");
                }
                argv.add(arg.asText());
            });
            daemonCommand = argv;
        } else {
            throw ApiException.invalidArgument("command must be a non-empty string or a non-empty list of strings");
        }
        Duration timeout = execTimeout(request.timeoutSeconds(), config);
        JsonObject daemonRequest = new JsonObject()
                .put("command", daemonCommand)
                .put("timeout_seconds", timeout.toMillis() / 1000.0)
                .put("max_output_bytes", config.execMaxOutputBytes());
        if (request.cwd() != null && !request.cwd().isBlank()) {
            daemonRequest.put("cwd", stripWorkspacePrefix(request.cwd()));
        }
        Map<String, String> env = envVars(request.env(), "env");
        if (!env.isEmpty()) {
            daemonRequest.put("env", new JsonObject(Map.copyOf(env)));
        }
        return new ExecPlan(daemonRequest, timeout);
    }

    static Duration execTimeout(Double seconds, EnvironmentConfig config) {
        if (seconds == null) {
            return config.execDefaultTimeout();
        }
        if (seconds.isNaN() || seconds <= 0) {
            throw ApiException.invalidArgument("timeout_seconds must be positive");
        }
        Duration requested = Duration.ofMillis(Math.round(seconds * 1000));
        if (requested.compareTo(config.execMaxTimeout()) > 0) {
            throw ApiException.invalidArgument("timeout_seconds may be at most " + config.execMaxTimeout().toSeconds());
        }
        return requested;
    }

    /**
     * A path a file is created at: it becomes a name in listings, so besides the daemon's own rules (relative, inside
     * the workspace, no NUL) it may hold no control or bidi characters.
     */
    static String filePath(String path, String field) {
        dev.wharf.api.RequestText.requireName(field, path);
        return stripWorkspacePrefix(path);
    }

    /**
     * Paths are relative to /workspace. A caller that spells the workspace out ({@code /workspace/a.csv})
     * means the same file; any other absolute path is left for the daemon to refuse.
     */
    static String stripWorkspacePrefix(String path) {
        if (path == null || path.equals("/workspace")) {
            return "";
        }
        return path.startsWith("/workspace/") ? path.substring("/workspace/".length()) : path;
    }
}
