package dev.wharf.interaction;

import dev.wharf.agent.ToolDeclarations;
import dev.wharf.api.ApiException;
import dev.wharf.api.ResourceIds;
import dev.wharf.capacity.ServiceTier;
import dev.wharf.model.GenerationConfig;
import dev.wharf.model.ToolSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A validated create request. Input in any of its public forms (string, content, contents, steps) is normalised
 * to steps. Every refusal is a 400 naming the field.
 */
public record CreateInteraction(
        JsonObject body,
        String model,
        String agent,
        List<JsonObject> inputSteps,
        String systemInstruction,
        List<ToolSpec> clientFunctions,
        Set<String> builtinTools,
        GenerationConfig generationConfig,
        JsonObject responseSchema,
        boolean background,
        boolean stream,
        boolean store,
        String previousInteractionId,
        Object environment,
        JsonObject agentConfig) {

    /** The type prefix of interaction ids. */
    public static final String ID_PREFIX = "int";
    private static final String ENVIRONMENT_ID_PREFIX = "env";
    private static final Set<String> CONTENT_TYPES = Set.of("text", "image", "document", "audio", "video");
    private static final Set<String> INPUT_STEP_TYPES = Set.of("user_input", "function_result");

    /** The same request, pointed at an existing environment. */
    public CreateInteraction withEnvironment(String environmentId) {
        return new CreateInteraction(body, model, agent, inputSteps, systemInstruction, clientFunctions, builtinTools,
                generationConfig, responseSchema, background, stream, store, previousInteractionId, environmentId,
                agentConfig);
    }

    public static CreateInteraction parse(JsonObject body) {
        if (body == null) {
            throw ApiException.invalidArgument("a JSON body is required");
        }
        String model = optionalString(body, "model");
        String agent = optionalString(body, "agent");
        if ((model == null) == (agent == null)) {
            throw ApiException.invalidArgument("exactly one of model or agent is required");
        }
        if (!body.containsKey("input") || body.getValue("input") == null) {
            throw ApiException.invalidArgument("input is required");
        }
        boolean background = flag(body, "background", false);
        boolean store = flag(body, "store", true);
        String previous = optionalString(body, "previous_interaction_id");
        if (previous != null && !ResourceIds.isWellFormed(ID_PREFIX, previous)) {
            throw ApiException.invalidArgument("previous_interaction_id must be an interaction id: " + ID_PREFIX
                    + "_ followed by 26 characters a-z, 2-7");
        }
        if (!store && (background || previous != null)) {
            throw ApiException.invalidArgument(
                    "store: false cannot be combined with background: true or previous_interaction_id");
        }
        JsonArray tools = body.getValue("tools") == null ? new JsonArray() : array(body, "tools");
        List<ToolSpec> functions = ToolDeclarations.functionTools(tools);
        Set<String> builtins = ToolDeclarations.builtinTools(tools);
        if (model != null && !builtins.isEmpty()) {
            throw ApiException.invalidArgument(
                    "code_execution and url_context run in a sandbox: use an agent (agent: \"default\") for them");
        }
        Object environment = body.getValue("environment");
        if (environment != null && !(environment instanceof String) && !(environment instanceof JsonObject)) {
            throw ApiException.invalidArgument("environment must be \"remote\", an environment id, or an object");
        }
        if (environment instanceof String named && !"remote".equals(named)
                && !ResourceIds.isWellFormed(ENVIRONMENT_ID_PREFIX, named)) {
            throw ApiException.invalidArgument("environment must be \"remote\" or an environment id: "
                    + ENVIRONMENT_ID_PREFIX + "_ followed by 26 characters a-z, 2-7");
        }
        if (model != null && environment != null) {
            throw ApiException.invalidArgument("environment applies to agents only");
        }
        JsonObject agentConfig = body.getValue("agent_config") == null ? new JsonObject() : object(body, "agent_config");
        ServiceTier.parse(body.getValue(ServiceTier.FIELD));
        return new CreateInteraction(body, model, agent, inputSteps(body.getValue("input")),
                systemInstruction(body.getValue("system_instruction")), functions, builtins,
                generationConfig(body.getValue("generation_config")), responseSchema(body.getValue("response_format")),
                background, flag(body, "stream", false), store, previous, environment, agentConfig);
    }

    /** Normalises the four public input forms to steps. */
    static List<JsonObject> inputSteps(Object input) {
        if (input instanceof String text) {
            return List.of(userInput(new JsonArray().add(textContent(text))));
        }
        if (input instanceof JsonObject single) {
            String type = single.getString("type", "");
            if (INPUT_STEP_TYPES.contains(type)) {
                return List.of(checkedStep(single, 0));
            }
            return List.of(userInput(new JsonArray().add(checkedContent(single, 0))));
        }
        if (input instanceof JsonArray items && !items.isEmpty()) {
            boolean steps = items.getValue(0) instanceof JsonObject first
                    && INPUT_STEP_TYPES.contains(first.getString("type", ""));
            if (steps) {
                List<JsonObject> result = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.getValue(i) instanceof JsonObject step)) {
                        throw ApiException.invalidArgument("input[" + i + "] must be an object");
                    }
                    result.add(checkedStep(step, i));
                }
                return result;
            }
            JsonArray content = new JsonArray();
            for (int i = 0; i < items.size(); i++) {
                if (!(items.getValue(i) instanceof JsonObject item)) {
                    throw ApiException.invalidArgument("input[" + i + "] must be an object");
                }
                content.add(checkedContent(item, i));
            }
            return List.of(userInput(content));
        }
        throw ApiException.invalidArgument("input must be a string, a content, a list of contents or a list of steps");
    }

    private static JsonObject checkedStep(JsonObject step, int index) {
        String type = step.getString("type", "");
        if ("function_result".equals(type)) {
            if (step.getString("call_id") == null || !step.containsKey("result")) {
                throw ApiException.invalidArgument("input[" + index + "]: function_result needs call_id and result");
            }
            return step.copy();
        }
        if ("user_input".equals(type)) {
            JsonArray content = step.getValue("content") instanceof JsonArray c ? c : null;
            if (content == null) {
                throw ApiException.invalidArgument("input[" + index + "]: user_input needs content");
            }
            for (int i = 0; i < content.size(); i++) {
                checkedContent(content.getJsonObject(i), i);
            }
            return step.copy();
        }
        throw ApiException.invalidArgument("input[" + index + "]: step type '" + type
                + "' cannot be sent as input; use user_input or function_result");
    }

    private static JsonObject checkedContent(JsonObject content, int index) {
        String type = content == null ? "" : content.getString("type", "");
        if (!CONTENT_TYPES.contains(type)) {
            throw ApiException.invalidArgument("input[" + index + "]: unknown content type '" + type + "'");
        }
        if ("text".equals(type) && !(content.getValue("text") instanceof String)) {
            throw ApiException.invalidArgument("input[" + index + "]: text content needs text");
        }
        return content.copy();
    }

    static JsonObject userInput(JsonArray content) {
        return new JsonObject().put("type", "user_input").put("content", content);
    }

    static JsonObject textContent(String text) {
        return new JsonObject().put("type", "text").put("text", text);
    }

    private static String systemInstruction(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String text) {
            return text;
        }
        throw ApiException.invalidArgument("system_instruction must be a string");
    }

    private static GenerationConfig generationConfig(Object value) {
        if (value == null) {
            return GenerationConfig.defaults();
        }
        if (!(value instanceof JsonObject config)) {
            throw ApiException.invalidArgument("generation_config must be an object");
        }
        try {
            JsonArray stops = config.getJsonArray("stop_sequences");
            List<String> stopSequences = stops == null ? null : stops.stream().map(String::valueOf).toList();
            Object seed = config.getValue("seed");
            Object maxOutput = config.getValue("max_output_tokens");
            return new GenerationConfig(asDouble(config.getNumber("temperature")), asDouble(config.getNumber("top_p")),
                    maxOutput == null ? null : (int) InteractionService.wholeNumber(maxOutput,
                            "generation_config.max_output_tokens", 1, Integer.MAX_VALUE),
                    stopSequences, seed == null ? null : InteractionService.wholeNumber(seed, "generation_config.seed",
                            Long.MIN_VALUE, Long.MAX_VALUE));
        } catch (ClassCastException e) {
            throw ApiException.invalidArgument("generation_config has a field of the wrong type");
        }
    }

    private static Double asDouble(Number number) {
        return number == null ? null : number.doubleValue();
    }

    /** Reads the JSON Schema out of {@code response_format} (a format object, or a list of them). */
    private static JsonObject responseSchema(Object value) {
        if (value instanceof JsonArray formats && !formats.isEmpty()) {
            value = formats.getValue(0);
        }
        if (value instanceof JsonObject format && format.getValue("schema") instanceof JsonObject schema) {
            return schema;
        }
        return null;
    }

    private static String optionalString(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw ApiException.invalidArgument(field + " must be a non-empty string");
        }
        return text;
    }

    private static boolean flag(JsonObject body, String field, boolean fallback) {
        Object value = body.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean bool)) {
            throw ApiException.invalidArgument(field + " must be true or false");
        }
        return bool;
    }

    private static JsonArray array(JsonObject body, String field) {
        if (!(body.getValue(field) instanceof JsonArray array)) {
            throw ApiException.invalidArgument(field + " must be a list");
        }
        return array;
    }

    private static JsonObject object(JsonObject body, String field) {
        if (!(body.getValue(field) instanceof JsonObject object)) {
            throw ApiException.invalidArgument(field + " must be an object");
        }
        return object;
    }
}
