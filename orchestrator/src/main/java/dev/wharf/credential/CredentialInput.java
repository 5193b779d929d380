package dev.wharf.credential;

import dev.wharf.api.ApiException;
import dev.wharf.api.RequestText;
import dev.wharf.api.ResourceIds;
import dev.wharf.egress.DomainPattern;
import dev.wharf.egress.HeaderRules;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads create and update bodies into what is stored, refusing anything off the contract with a 400 that names the
 * field and never repeats a secret's value. Pure: the service seals what comes out, the repository writes it.
 * <p>
 * Settings are stored per type with defaults filled in ({@code header_name: "Authorization"}, {@code prefix:
 * "Bearer"}); an unset optional list is simply absent. An update merges the settings it names and removes the
 * optional ones it names without a value, and touches nothing else.
 */
final class CredentialInput {
    /** Fields the server sets; ignored in a body (as the contract's output-only fields are), refused in a mask. */
    static final Set<String> OUTPUT_ONLY = Set.of("create_time", "update_time");
    /** A derived setting: whether the environment_variable's value may go into a header. Not a wire field. */
    static final String VALUE_HEADER_SAFE = "value_header_safe";
    static final String DEFAULT_HEADER_NAME = "Authorization";
    static final String DEFAULT_PREFIX = "Bearer";

    /** RFC 6749 scope-token characters. */
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final int MAX_PREFIX_CHARS = 256;
    private static final int MAX_URL_CHARS = 2048;
    private static final int MAX_CLIENT_ID_CHARS = 2048;
    private static final int MAX_LIST_ENTRIES = 100;
    private static final int MAX_SCOPE_CHARS = 256;

    /** A create, checked: the settings to store and the secrets to seal (plaintext only until they are sealed). */
    record NewCredential(String id, CredentialType type, JsonObject settings, Map<String, Secret> secrets) {
    }

    /** An update before the credential is read: the fields it names ({@code null}: those in the body) and the body. */
    record UpdateRequest(List<String> mask, JsonObject body) {
    }

    /**
     * An update, checked against the credential: settings to merge, secrets to seal and replace, a status to set.
     * The two guards let the repository refuse a write that would put a value into a header when a concurrent update
     * changed the other half of that pair since the credential was read.
     */
    record Patch(JsonObject settings, Set<String> cleared, Map<String, Secret> secrets, CredentialStatus status,
                 boolean requireStoredValueHeaderSafe, boolean requireStoredLocationsWithoutHeader) {
        /** Whether this changes nothing but, at most, the status to {@code to}. */
        boolean onlySetsStatus(CredentialStatus to) {
            return settings.isEmpty() && cleared.isEmpty() && secrets.isEmpty() && (status == null || status == to);
        }
    }

    private final long maxSecretBytes;

    CredentialInput(long maxSecretBytes) {
        this.maxSecretBytes = maxSecretBytes;
    }

    long maxSecretBytes() {
        return maxSecretBytes;
    }

    NewCredential create(JsonObject body) {
        if (body == null) {
            throw invalid("a JSON body is required");
        }
        CredentialType type = type(body.getValue("type"));
        String id = id(body.getValue("id"));
        for (String field : body.fieldNames()) {
            if (!field.equals("id") && !field.equals("type") && !field.equals("status") && !OUTPUT_ONLY.contains(field)
                    && !type.has(field)) {
                throw unknownField(field, type);
            }
        }
        Object status = body.getValue("status");
        if (status != null && !CredentialStatus.ACTIVE.wire().equals(status)) {
            throw invalid("status of a new credential can only be active; revoke it with an update");
        }
        JsonObject settings = new JsonObject();
        Map<String, Secret> secrets = new LinkedHashMap<>();
        for (String field : type.fields()) {
            if (type.isSecret(field)) {
                secrets.put(field, secret(field, body.getValue(field)));
            } else {
                Object setting = setting(field, body.getValue(field));
                if (setting != null) {
                    settings.put(field, setting);
                }
            }
        }
        if (type == CredentialType.ENVIRONMENT_VARIABLE) {
            boolean headerSafe = headerSafe(secrets.get("value").reveal());
            if (!headerSafe && locations(settings).contains(InjectionLocation.HEADER.wire())) {
                throw valueNotForHeaders();
            }
            settings.put(VALUE_HEADER_SAFE, headerSafe);
        }
        return new NewCredential(id, type, settings, secrets);
    }

    /** What can be checked before the credential is read: the mask's names are fields, and changeable ones. */
    UpdateRequest update(String updateMask, JsonObject body) {
        JsonObject request = body == null ? new JsonObject() : body;
        if (updateMask == null || updateMask.isBlank()) {
            for (String field : request.fieldNames()) {
                if (!field.equals("id") && !field.equals("type") && !OUTPUT_ONLY.contains(field) && !known(field)) {
                    throw invalid(ResourceIds.shown(field) + " is not a field of credentials");
                }
            }
            return new UpdateRequest(null, request);
        }
        RequestText.requireStorable("update_mask", updateMask);
        Set<String> mask = new LinkedHashSet<>();
        for (String entry : updateMask.split(",")) {
            String field = snakeCase(entry.strip());
            if (field.isEmpty()) {
                continue;
            }
            if (field.equals("id") || field.equals("type")) {
                throw invalid("update_mask names " + field + ", which cannot be changed; create a new credential");
            }
            if (OUTPUT_ONLY.contains(field)) {
                throw invalid("update_mask names " + field + ", which is set by the server");
            }
            if (!known(field)) {
                throw invalid("update_mask names " + ResourceIds.shown(field)
                        + ", which is not a field of credentials");
            }
            mask.add(field);
        }
        if (mask.isEmpty()) {
            return new UpdateRequest(null, request);
        }
        return new UpdateRequest(List.copyOf(mask), request);
    }

    /** The update against the stored credential: only the named fields change, each checked as at create. */
    Patch patch(UpdateRequest request, Credential current) {
        CredentialType type = current.type();
        JsonObject body = request.body();
        List<String> fields = new ArrayList<>();
        if (request.mask() != null) {
            for (String field : request.mask()) {
                if (!field.equals("status") && !type.has(field)) {
                    throw invalid("update_mask names " + field + ", which is not a field of " + type.wire()
                            + " credentials");
                }
                fields.add(field);
            }
        } else {
            for (String field : body.fieldNames()) {
                Object value = body.getValue(field);
                if (field.equals("id")) {
                    if (!current.id().equals(value)) {
                        throw invalid("id cannot be changed; create a new credential");
                    }
                } else if (field.equals("type")) {
                    if (!type.wire().equals(value)) {
                        throw invalid("type cannot be changed; create a new credential of the other type");
                    }
                } else if (!OUTPUT_ONLY.contains(field)) {
                    if (!field.equals("status") && !type.has(field)) {
                        throw unknownField(field, type);
                    }
                    fields.add(field);
                }
            }
        }
        if (fields.isEmpty()) {
            throw invalid("nothing to update: name the fields to change in update_mask, or send them in the body");
        }
        JsonObject settings = new JsonObject();
        Set<String> cleared = new LinkedHashSet<>();
        Map<String, Secret> secrets = new LinkedHashMap<>();
        CredentialStatus status = null;
        for (String field : type.fields()) {
            if (!fields.contains(field)) {
                continue;
            }
            if (type.isSecret(field)) {
                secrets.put(field, secret(field, body.getValue(field)));
            } else {
                Object setting = setting(field, body.getValue(field));
                if (setting == null) {
                    cleared.add(field);
                } else {
                    settings.put(field, setting);
                }
            }
        }
        if (fields.contains("status")) {
            status = status(body.getValue("status"));
        }
        boolean storedValueMustBeHeaderSafe = false;
        boolean storedLocationsMustExcludeHeader = false;
        if (type == CredentialType.ENVIRONMENT_VARIABLE) {
            boolean headerBound = locations(settings.containsKey("injection_location") ? settings : current.settings())
                    .contains(InjectionLocation.HEADER.wire());
            if (secrets.containsKey("value")) {
                boolean headerSafe = headerSafe(secrets.get("value").reveal());
                if (!headerSafe && headerBound) {
                    throw valueNotForHeaders();
                }
                settings.put(VALUE_HEADER_SAFE, headerSafe);
                storedLocationsMustExcludeHeader = !headerSafe && !settings.containsKey("injection_location");
            } else if (settings.containsKey("injection_location") && headerBound) {
                if (!current.settings().getBoolean(VALUE_HEADER_SAFE, false)) {
                    throw valueNotForHeaders();
                }
                storedValueMustBeHeaderSafe = true;
            }
        }
        return new Patch(settings, cleared, secrets, status, storedValueMustBeHeaderSafe,
                storedLocationsMustExcludeHeader);
    }

    // ---- fields ------------------------------------------------------------------------------------------------

    private static CredentialType type(Object value) {
        if (value == null) {
            throw invalid("type is required: one of " + CredentialType.wireNames());
        }
        if (!(value instanceof String wire)) {
            throw invalid("type must be a string: one of " + CredentialType.wireNames());
        }
        return CredentialType.fromWire(wire)
                .orElseThrow(() -> invalid("type must be one of " + CredentialType.wireNames()));
    }

    private static String id(Object value) {
        if (value == null) {
            throw invalid("id is required: " + ResourceIds.CHOSEN_ID_RULE);
        }
        if (!(value instanceof String id)) {
            throw invalid("id must be a string: " + ResourceIds.CHOSEN_ID_RULE);
        }
        if (!ResourceIds.isChosenId(id)) {
            throw invalid("id must be " + ResourceIds.CHOSEN_ID_RULE);
        }
        return id;
    }

    private static CredentialStatus status(Object value) {
        if (!(value instanceof String wire)) {
            throw invalid("status must be active or revoked");
        }
        return CredentialStatus.fromWire(wire).orElseThrow(() -> invalid("status must be active or revoked"));
    }

    /** A secret: a non-empty string of at most the configured size. Messages name the field, never the value. */
    private Secret secret(String field, Object value) {
        if (value == null) {
            throw invalid(field + " is required");
        }
        if (!(value instanceof String text)) {
            throw invalid(field + " must be a string");
        }
        if (text.isEmpty()) {
            throw invalid(field + " must not be empty");
        }
        if (text.length() > maxSecretBytes || text.getBytes(StandardCharsets.UTF_8).length > maxSecretBytes) {
            throw invalid(field + " is longer than the limit of " + maxSecretBytes + " bytes");
        }
        if (field.equals("token") && !headerSafe(text)) {
            throw invalid("token must be printable ASCII without leading or trailing spaces: it is sent in an HTTP"
                    + " header");
        }
        return new Secret(text);
    }

    /** A setting, normalised; an absent optional one becomes its default, or null (left out) for the lists. */
    private static Object setting(String field, Object value) {
        return switch (field) {
            case "injection_location" -> injectionLocations(value);
            case "trusted_domains" -> value == null ? null : trustedDomains(value);
            case "header_name" -> value == null ? DEFAULT_HEADER_NAME : headerName(value);
            case "prefix" -> value == null ? DEFAULT_PREFIX : prefix(value);
            case "client_id" -> clientId(value);
            case "token_url" -> tokenUrl(value);
            case "scopes" -> value == null ? null : scopes(value);
            default -> throw new IllegalArgumentException("no setting " + field);
        };
    }

    private static JsonArray injectionLocations(Object value) {
        String expected = "injection_location must be \"header\", \"query\", \"body\", or a list of them";
        if (value == null) {
            throw invalid("injection_location is required: \"header\", \"query\", \"body\", or a list of them");
        }
        List<Object> entries;
        if (value instanceof String) {
            entries = List.of(value);
        } else if (value instanceof JsonArray array) {
            entries = array.getList();
            if (entries.isEmpty()) {
                throw invalid(expected + "; the list is empty");
            }
        } else {
            throw invalid(expected);
        }
        Set<String> locations = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Object entry = entries.get(i);
            String where = value instanceof JsonArray ? "injection_location[" + i + "]" : "injection_location";
            if (!(entry instanceof String wire) || InjectionLocation.fromWire(wire).isEmpty()) {
                throw invalid(where + " must be one of header, query, body");
            }
            locations.add(wire);
        }
        return new JsonArray(List.copyOf(locations));
    }

    private static JsonArray trustedDomains(Object value) {
        if (!(value instanceof JsonArray array)) {
            throw invalid("trusted_domains must be a list of domains (example.com, *.example.com)");
        }
        if (array.isEmpty()) {
            throw invalid("trusted_domains must name at least one domain; leave it out to allow every domain the"
                    + " environment's allowlist allows");
        }
        if (array.size() > MAX_LIST_ENTRIES) {
            throw invalid("trusted_domains has more than " + MAX_LIST_ENTRIES + " entries");
        }
        Set<String> domains = new LinkedHashSet<>();
        for (int i = 0; i < array.size(); i++) {
            domains.add(trustedDomain("trusted_domains[" + i + "]", array.getValue(i)));
        }
        return new JsonArray(List.copyOf(domains));
    }

    /** A host name, or {@code *.} and a domain, lower-cased; no scheme, port, path, IP address or bare {@code *}. */
    static String trustedDomain(String field, Object value) {
        return DomainPattern.parse(field, value, DomainPattern.Any.REFUSED,
                "name the domains this credential may be sent to").text();
    }

    private static String headerName(Object value) {
        if (!(value instanceof String name) || !HeaderRules.isName(name)) {
            throw invalid("header_name must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, at most "
                    + HeaderRules.MAX_NAME_CHARS + " characters");
        }
        if (HeaderRules.isReserved(name)) {
            throw invalid("header_name cannot be " + name + ": that header frames or routes the request itself");
        }
        return name;
    }

    private static String prefix(Object value) {
        if (!(value instanceof String prefix) || prefix.length() > MAX_PREFIX_CHARS
                || (!prefix.isEmpty() && !headerSafe(prefix))) {
            throw invalid("prefix must be printable ASCII without leading or trailing spaces, at most "
                    + MAX_PREFIX_CHARS + " characters (\"\" for none)");
        }
        return prefix;
    }

    private static String clientId(Object value) {
        if (value == null) {
            throw invalid("client_id is required");
        }
        if (!(value instanceof String id)) {
            throw invalid("client_id must be a string");
        }
        if (id.isEmpty() || id.length() > MAX_CLIENT_ID_CHARS) {
            throw invalid("client_id must be 1 to " + MAX_CLIENT_ID_CHARS + " characters");
        }
        RequestText.requireName("client_id", id);
        return id;
    }

    /** An absolute https URL; http only for a loopback host. Never echoed: a URL may carry a secret in its query. */
    static String tokenUrl(Object value) {
        String expected = "token_url must be an absolute https URL (http only for localhost, 127.0.0.0/8 or [::1])";
        if (value == null) {
            throw invalid("token_url is required: an absolute https URL");
        }
        if (!(value instanceof String text) || text.length() > MAX_URL_CHARS) {
            throw invalid(expected + ", at most " + MAX_URL_CHARS + " characters");
        }
        RequestText.requireName("token_url", text);
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid(expected);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            throw invalid(expected);
        }
        if (uri.getRawUserInfo() != null) {
            throw invalid("token_url must not carry a user name or password; the client's credentials are"
                    + " client_id and client_secret");
        }
        if (uri.getRawFragment() != null) {
            throw invalid("token_url must not have a fragment (#...)");
        }
        if (scheme.equals("http") && !loopback(uri.getHost())) {
            throw invalid("token_url must use https; http is allowed only for localhost, 127.0.0.0/8 or [::1]");
        }
        return text;
    }

    private static boolean loopback(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.equals("localhost") || name.equals("[::1]")) {
            return true;
        }
        var v4 = LOOPBACK_V4.matcher(name);
        if (!v4.matches()) {
            return false;
        }
        for (int group = 1; group <= 3; group++) {
            if (Integer.parseInt(v4.group(group)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static JsonArray scopes(Object value) {
        if (!(value instanceof JsonArray array)) {
            throw invalid("scopes must be a list of strings");
        }
        if (array.size() > MAX_LIST_ENTRIES) {
            throw invalid("scopes has more than " + MAX_LIST_ENTRIES + " entries");
        }
        Set<String> scopes = new LinkedHashSet<>();
        for (int i = 0; i < array.size(); i++) {
            Object entry = array.getValue(i);
            if (!(entry instanceof String scope) || scope.length() > MAX_SCOPE_CHARS
                    || !SCOPE.matcher(scope).matches()) {
                throw invalid("scopes[" + i + "] must be an OAuth scope: 1 to " + MAX_SCOPE_CHARS
                        + " printable ASCII characters without spaces, quotes or backslashes");
            }
            scopes.add(scope);
        }
        return scopes.isEmpty() ? null : new JsonArray(List.copyOf(scopes));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Printable ASCII, not starting or ending with a space: what survives as an HTTP header value unchanged. */
    static boolean headerSafe(String value) {
        if (value.isEmpty() || value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    static List<String> locations(JsonObject settings) {
        JsonArray locations = settings.getJsonArray("injection_location");
        return locations == null ? List.of() : (List<String>) (List<?>) locations.getList();
    }

    private static ApiException valueNotForHeaders() {
        return invalid("value must be printable ASCII without leading or trailing spaces when injection_location"
                + " includes header: it is sent in an HTTP header");
    }

    private static boolean known(String field) {
        return field.equals("status") || CredentialType.anyHas(field);
    }

    private static ApiException unknownField(String field, CredentialType type) {
        return invalid(ResourceIds.shown(field) + " is not a field of " + type.wire() + " credentials");
    }

    /** Field masks may be written as in JSON (camelCase) or as in the proto (snake_case); they mean the same. */
    private static String snakeCase(String field) {
        StringBuilder snake = new StringBuilder(field.length() + 4);
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                snake.append('_').append((char) (c + ('a' - 'A')));
            } else {
                snake.append(c);
            }
        }
        return snake.toString();
    }

    private static ApiException invalid(String message) {
        return ApiException.invalidArgument(message);
    }
}
