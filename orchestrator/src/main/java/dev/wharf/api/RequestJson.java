package dev.wharf.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one way a request body becomes JSON, for the JAX-RS resources ({@link JsonBodyReader}) and the Vert.x routes
 * alike. A body is refused with a 400 that says what is wrong and where (line and column, or the field) when it is
 * not UTF-8 (a byte order mark, NUL bytes as in UTF-16, invalid sequences), not JSON, not one object, nested deeper,
 * longer or more precise than {@link InputConfig} allows, or holds text PostgreSQL cannot store (U+0000, lone
 * surrogates) in any string or field name. So no service ever sees such a body, and none needs its own copy of
 * these checks.
 */
@ApplicationScoped
public class RequestJson {
    private static final int MAX_PROBLEM_CHARS = 160;
    /** Jackson quotes input it could not read: "Unrecognized token 'sk_live_x'", "... escape 'q' (code 113)". */
    private static final Pattern QUOTED_TOKEN = Pattern.compile("(Unrecognized token|Unrecognized character escape)"
            + " '(?:.(?=' \\(code)|[^']*)'(?: \\(code \\d+\\))?", Pattern.DOTALL);
    /** ...and the character it did not expect: "Unexpected character ('s' (code 115))". */
    private static final Pattern QUOTED_CHARACTER = Pattern.compile(" ?\\('.' \\(code \\d+\\)\\)", Pattern.DOTALL);

    private final JsonFactory factory;
    private final ObjectMapper mapper;
    private final InputConfig config;
    private final long maxBodyBytes;

    public RequestJson(InputConfig config, ObjectMapper mapper) {
        this.config = config;
        this.mapper = mapper;
        this.maxBodyBytes = config.maxBodySize().asLongValue();
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(config.maxNestingDepth())
                        .maxStringLength(config.maxStringLength())
                        .maxNumberLength(config.maxNumberLength())
                        .build())
                // A repeated key would otherwise silently lose one of its values.
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /** The largest body any JSON route reads. */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The body as one JSON object; null when there is no body at all (callers decide whether one is required). */
    public JsonObject object(Buffer body) {
        return object(body == null ? new byte[0] : body.getBytes());
    }

    public JsonObject object(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        if (body.length > maxBodyBytes) {
            throw new ApiException(ApiStatus.REQUEST_TOO_LARGE, tooLarge());
        }
        checkEncoding(body);
        try (JsonParser parser = factory.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw ApiException.invalidArgument("the request body must be a JSON object, not " + describe(first));
            }
            Map<String, Object> root = readObject(parser, "");
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw ApiException.invalidArgument("the request body has more after its JSON object, at "
                        + position(parser.currentTokenLocation()));
            }
            return new JsonObject(root);
        } catch (StreamConstraintsException e) {
            throw ApiException.invalidArgument("the request body " + constraintProblem(e));
        } catch (JsonProcessingException e) {
            throw ApiException.invalidArgument("the request body is not valid JSON: " + problem(e) + " at "
                    + position(e.getLocation()));
        } catch (IOException e) {
            throw ApiException.invalidArgument("the request body could not be read");
        }
    }

    /** The message for a body over {@link InputConfig#maxBodySize()}. */
    public String tooLarge() {
        return "the request body is larger than the limit of " + maxBodyBytes + " bytes (413, INVALID_ARGUMENT)";
    }

    /**
     * Binds an already checked body to a request record with the API's own mapper (snake_case); a value of the wrong
     * type is a 400 naming the field and the type it should have.
     */
    public <T> T bind(JsonObject body, Class<T> type) {
        if (body == null) {
            return null;
        }
        try {
            return mapper.convertValue(body.getMap(), type);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof MismatchedInputException mismatch) {
                throw ApiException.invalidArgument(mismatchProblem(mismatch));
            }
            throw ApiException.invalidArgument("the request body does not have the expected shape");
        }
    }

    /** Names the field and what it should be, without the binder's class names. */
    public static String mismatchProblem(MismatchedInputException mismatch) {
        String field = fieldPath(mismatch);
        Class<?> target = mismatch.getTargetType();
        return field.isEmpty() ? "the request body does not have the expected shape"
                : field + " must be " + expected(target);
    }

    private static String fieldPath(MismatchedInputException mismatch) {
        StringBuilder path = new StringBuilder();
        mismatch.getPath().forEach(ref -> {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else {
                path.append('[').append(ref.getIndex()).append(']');
            }
        });
        return path.toString();
    }

    private static String expected(Class<?> target) {
        if (target == null) {
            return "of another type";
        }
        if (Number.class.isAssignableFrom(target) || (target.isPrimitive() && target != boolean.class)) {
            return "a number";
        }
        if (target == String.class) {
            return "a string";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "a list";
        }
        return "an object";
    }

    private static void checkEncoding(byte[] body) {
        if (body.length >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF) {
            throw ApiException.invalidArgument("the request body starts with a byte order mark; send UTF-8 JSON without one");
        }
        if (body.length >= 2 && ((body[0] & 0xFF) == 0xFE || (body[0] & 0xFF) == 0xFF)) {
            throw ApiException.invalidArgument("the request body is not UTF-8 (it starts like UTF-16); send UTF-8 JSON");
        }
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0) {
                throw ApiException.invalidArgument("the request body contains a NUL byte at offset " + i
                        + "; send UTF-8 JSON (UTF-16 and UTF-32 are not accepted)");
            }
        }
    }

    private Map<String, Object> readObject(JsonParser parser, String path) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            String field = path.isEmpty() ? name : path + "." + name;
            String problem = RequestText.storableProblem(name);
            if (problem != null) {
                throw ApiException.invalidArgument("a field name in " + (path.isEmpty() ? "the request body" : path)
                        + " " + problem);
            }
            object.put(name, readValue(parser, parser.nextToken(), field));
        }
        if (token != JsonToken.END_OBJECT) {
            throw ApiException.invalidArgument("the request body is not valid JSON at " + position(parser.currentLocation()));
        }
        return object;
    }

    private List<Object> readArray(JsonParser parser, String path) throws IOException {
        List<Object> array = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token == null) {
                throw ApiException.invalidArgument("the request body is not valid JSON at " + position(parser.currentLocation()));
            }
            array.add(readValue(parser, token, path + "[" + array.size() + "]"));
        }
        return array;
    }

    private Object readValue(JsonParser parser, JsonToken token, String field) throws IOException {
        if (token == null) {
            throw ApiException.invalidArgument("the request body ends early, at " + position(parser.currentLocation()));
        }
        return switch (token) {
            case START_OBJECT -> readObject(parser, field);
            case START_ARRAY -> readArray(parser, field);
            case VALUE_STRING -> {
                String text = parser.getText();
                RequestText.requireStorable(field, text);
                yield text;
            }
            case VALUE_NUMBER_INT -> parser.getNumberValue();
            case VALUE_NUMBER_FLOAT -> {
                double number = parser.getDoubleValue();
                if (Double.isInfinite(number)) {
                    throw ApiException.invalidArgument(field + " is a number out of range, at "
                            + position(parser.currentTokenLocation()));
                }
                yield number;
            }
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw ApiException.invalidArgument("the request body is not valid JSON at "
                    + position(parser.currentTokenLocation()));
        };
    }

    private String constraintProblem(StreamConstraintsException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().toLowerCase();
        String where = e.getLocation() == null ? "" : ", at " + position(e.getLocation());
        if (message.contains("nesting")) {
            return "nests objects and arrays deeper than " + config.maxNestingDepth() + " levels" + where;
        }
        if (message.contains("string")) {
            return "has a string longer than " + config.maxStringLength() + " characters" + where;
        }
        if (message.contains("number")) {
            return "has a number longer than " + config.maxNumberLength() + " digits" + where;
        }
        return "exceeds a limit on JSON size" + where;
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> "something else";
        };
    }

    /**
     * The parser's own words, first line only, without its source description or code references, and without the
     * input it quotes: a body may carry a secret (a credential's token, say) and a typo next to it must not put the
     * secret in an error body or a log. The position says where the problem is.
     */
    private static String problem(JsonProcessingException e) {
        String message = e.getOriginalMessage() == null ? "unreadable input" : e.getOriginalMessage();
        message = QUOTED_TOKEN.matcher(message).replaceAll("$1");
        message = QUOTED_CHARACTER.matcher(message).replaceAll("");
        int cut = message.length();
        for (String end : new String[] {"\n", " (start marker", "[Source", "`"}) {
            int at = message.indexOf(end);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        String problem = message.substring(0, cut).strip();
        if (problem.endsWith(":")) {
            problem = problem.substring(0, problem.length() - 1);
        }
        return problem.length() > MAX_PROBLEM_CHARS ? problem.substring(0, MAX_PROBLEM_CHARS) + "..." : problem;
    }

    private static String position(JsonLocation location) {
        if (location == null) {
            return "an unknown position";
        }
        return "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
