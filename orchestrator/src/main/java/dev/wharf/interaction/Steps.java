package dev.wharf.interaction;

import dev.wharf.model.Message;
import dev.wharf.model.Part;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates between the model's neutral parts and the public, typed steps. Built-in sandbox tools surface as
 * their own step types: {@code execute_code} as {@code code_execution_call/result}, {@code browse} as
 * {@code url_context_call/result}; everything else (file tools, the caller's functions) as
 * {@code function_call/result}. Wharf-only fields carry the {@code x_} prefix.
 */
public final class Steps {
    public static final String EXECUTE_CODE = "execute_code";
    public static final String BROWSE = "browse";

    private Steps() {
    }

    /** The steps of one model turn, in the order the model produced them. */
    public static List<JsonObject> fromModelTurn(List<Part> parts) {
        List<JsonObject> steps = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Part.Text t) {
                text.append(t.text());
                continue;
            }
            if (!text.isEmpty()) {
                steps.add(modelOutput(text.toString()));
                text.setLength(0);
            }
            if (part instanceof Part.Thought thought) {
                steps.add(thought(thought.text()));
            } else if (part instanceof Part.ToolCall call) {
                steps.add(toolCall(call));
            }
        }
        if (!text.isEmpty()) {
            steps.add(modelOutput(text.toString()));
        }
        return steps;
    }

    public static JsonObject modelOutput(String text) {
        return new JsonObject().put("type", "model_output").put("content", new JsonArray().add(
                new JsonObject().put("type", "text").put("text", text)));
    }

    public static JsonObject thought(String text) {
        return new JsonObject().put("type", "thought").put("summary", new JsonArray().add(
                new JsonObject().put("type", "text").put("text", text)));
    }

    public static JsonObject toolCall(Part.ToolCall call) {
        JsonObject args = call.arguments() == null ? new JsonObject() : call.arguments();
        return switch (call.name()) {
            case EXECUTE_CODE -> new JsonObject().put("type", "code_execution_call").put("id", call.id())
                    .put("arguments", new JsonObject().put("code", args.getString("code", ""))
                            .put("language", args.getString("language", "python")));
            case BROWSE -> new JsonObject().put("type", "url_context_call").put("id", call.id())
                    .put("arguments", new JsonObject().put("urls", new JsonArray().add(args.getString("url", ""))))
                    .put("x_screenshot", args.getBoolean("screenshot", false));
            default -> new JsonObject().put("type", "function_call").put("id", call.id()).put("name", call.name())
                    .put("arguments", args);
        };
    }

    /**
     * A tool's result as a step. {@code images} (from a browser screenshot) travel as image content in a
     * function result, and as {@code x_images} on a url_context result, whose public shape has no room for them.
     */
    public static JsonObject toolResult(String callId, String name, String result, boolean isError, JsonArray images,
                                        String url) {
        boolean hasImages = images != null && !images.isEmpty();
        return switch (name) {
            case EXECUTE_CODE -> codeExecutionResult(callId, result, isError);
            case BROWSE -> {
                JsonObject step = new JsonObject().put("type", "url_context_result").put("call_id", callId)
                        .put("result", new JsonArray().add(new JsonObject().put("url", url == null ? "" : url)
                                .put("status", isError ? "error" : "success")))
                        .put("is_error", isError).put("x_text", result);
                if (hasImages) {
                    step.put("x_images", images);
                }
                yield step;
            }
            default -> {
                JsonObject step = new JsonObject().put("type", "function_result").put("call_id", callId)
                        .put("name", name).put("is_error", isError);
                if (hasImages) {
                    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", result));
                    images.forEach(image -> content.add(((JsonObject) image).copy().put("type", "image")));
                    step.put("result", content);
                } else {
                    step.put("result", result);
                }
                yield step;
            }
        };
    }

    /**
     * The runtime reports a run as JSON (exit code, stdout, stderr, timed out); the public step carries what a
     * person reads as the output: stdout, then stderr, then a note when the exit was not clean. The exit code
     * stays available as {@code x_exit_code}.
     */
    static JsonObject codeExecutionResult(String callId, String result, boolean isError) {
        JsonObject step = new JsonObject().put("type", "code_execution_result").put("call_id", callId)
                .put("is_error", isError);
        JsonObject run;
        try {
            run = new JsonObject(result);
        } catch (RuntimeException notJson) {
            return step.put("result", result);
        }
        StringBuilder output = new StringBuilder(run.getString("stdout", ""));
        String stderr = run.getString("stderr", "");
        if (!stderr.isEmpty()) {
            if (!output.isEmpty() && output.charAt(output.length() - 1) != '\n') {
                output.append('\n');
            }
            output.append(stderr);
        }
        Integer exit = run.getInteger("exit_code");
        if (run.getBoolean("timed_out", false)) {
            output.append(output.isEmpty() ? "" : "\n").append("[timed out]");
        } else if (exit != null && exit != 0) {
            output.append(output.isEmpty() ? "" : "\n").append("[exit code ").append(exit).append(']');
        }
        if (exit != null) {
            step.put("x_exit_code", exit);
        }
        return step.put("result", output.toString());
    }

    /**
     * The conversation a list of steps represents, for the next model call. Thoughts are not sent back;
     * consecutive assistant parts form one message, and consecutive tool results another.
     */
    public static List<Message> toConversation(List<JsonObject> steps) {
        List<Message> messages = new ArrayList<>();
        for (JsonObject step : steps) {
            Part part;
            Message.Role role;
            switch (step.getString("type", "")) {
                case "user_input" -> {
                    messages.add(new Message(Message.Role.USER, contentParts(step.getJsonArray("content"))));
                    continue;
                }
                case "model_output" -> {
                    role = Message.Role.ASSISTANT;
                    part = new Part.Text(text(step.getValue("content")));
                }
                case "function_call" -> {
                    role = Message.Role.ASSISTANT;
                    part = new Part.ToolCall(step.getString("id"), step.getString("name"), arguments(step));
                }
                case "code_execution_call" -> {
                    role = Message.Role.ASSISTANT;
                    part = new Part.ToolCall(step.getString("id"), EXECUTE_CODE, arguments(step));
                }
                case "url_context_call" -> {
                    role = Message.Role.ASSISTANT;
                    JsonArray urls = arguments(step).getJsonArray("urls", new JsonArray());
                    part = new Part.ToolCall(step.getString("id"), BROWSE, new JsonObject()
                            .put("url", urls.isEmpty() ? "" : urls.getString(0))
                            .put("screenshot", step.getBoolean("x_screenshot", false)));
                }
                case "function_result" -> {
                    role = Message.Role.TOOL;
                    part = new Part.ToolResult(step.getString("call_id"), step.getString("name", "function"),
                            text(step.getValue("result")), step.getBoolean("is_error", false));
                }
                case "code_execution_result" -> {
                    role = Message.Role.TOOL;
                    part = new Part.ToolResult(step.getString("call_id"), EXECUTE_CODE, text(step.getValue("result")),
                            step.getBoolean("is_error", false));
                }
                case "url_context_result" -> {
                    role = Message.Role.TOOL;
                    part = new Part.ToolResult(step.getString("call_id"), BROWSE, step.getString("x_text", ""),
                            step.getBoolean("is_error", false));
                }
                default -> {
                    continue;
                }
            }
            Message last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
            if (last != null && last.role() == role) {
                List<Part> merged = new ArrayList<>(last.parts());
                merged.add(part);
                messages.set(messages.size() - 1, new Message(role, merged));
            } else {
                messages.add(new Message(role, new ArrayList<>(List.of(part))));
            }
        }
        return messages;
    }

    private static JsonObject arguments(JsonObject step) {
        return step.getValue("arguments") instanceof JsonObject args ? args : new JsonObject();
    }

    private static List<Part> contentParts(JsonArray content) {
        List<Part> parts = new ArrayList<>();
        if (content == null) {
            return parts;
        }
        for (int i = 0; i < content.size(); i++) {
            JsonObject item = content.getJsonObject(i);
            switch (item.getString("type", "")) {
                case "text" -> parts.add(new Part.Text(item.getString("text", "")));
                case "image" -> parts.add(new Part.Image(item.getString("mime_type"), item.getString("data"),
                        item.getString("uri")));
                case "document" -> {
                    String data = item.getString("data");
                    if (data != null && "text/csv".equals(item.getString("mime_type"))) {
                        parts.add(new Part.Text(new String(java.util.Base64.getDecoder().decode(data),
                                java.nio.charset.StandardCharsets.UTF_8)));
                    } else {
                        parts.add(new Part.Text("[document " + item.getString("uri", "(inline)") + "]"));
                    }
                }
                default -> parts.add(new Part.Text("[" + item.getString("type") + " content omitted]"));
            }
        }
        return parts;
    }

    /** Text of a result or content: a string as it is, a content list's texts joined, anything else as JSON. */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof JsonArray items) {
            StringBuilder text = new StringBuilder();
            for (Object item : items) {
                if (item instanceof JsonObject content && "text".equals(content.getString("type"))) {
                    text.append(content.getString("text", ""));
                }
            }
            return text.toString();
        }
        return value.toString();
    }
}
