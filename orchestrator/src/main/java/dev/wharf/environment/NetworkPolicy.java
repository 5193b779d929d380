package dev.wharf.environment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.api.ApiException;
import dev.wharf.api.ResourceIds;
import dev.wharf.egress.DomainPattern;
import dev.wharf.egress.HeaderRules;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an environment's sandbox may reach: nothing ({@code "disabled"}, the default) or the hosts an allowlist names.
 * An entry is {@code {domain, credential?, transform?}}: a {@link DomainPattern}; a stored credential the egress
 * proxy applies to requests to that domain; headers (one map or a list of maps) it sets on them. Read from the API
 * once ({@link #parse}), stored in its canonical JSON ({@link #stored}), shown as stored ({@link #view}) and handed
 * to the proxy per request, so a change takes effect on the sandbox's next request.
 */
public record NetworkPolicy(List<Entry> allowlist) {
    public static final NetworkPolicy DISABLED = new NetworkPolicy(null);
    static final String DISABLED_TEXT = "disabled";
    static final int MAX_ENTRIES = 256;
    static final int MAX_HEADERS_PER_ENTRY = 32;
    static final int MAX_HEADER_VALUE_CHARS = 8192;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One allowlist entry; {@code headers} are the transforms in order (a later map's header wins). */
    public record Entry(DomainPattern domain, String credential, List<Map<String, String>> headers) {
    }

    public boolean disabled() {
        return allowlist == null;
    }

    /** The credential ids the allowlist names, in order. */
    public Set<String> credentialIds() {
        Set<String> ids = new LinkedHashSet<>();
        if (allowlist != null) {
            allowlist.stream().filter(e -> e.credential() != null).forEach(e -> ids.add(e.credential()));
        }
        return ids;
    }

    /** Whether an entry is {@code *}, which a tenant's policy may forbid. */
    public boolean allowsAnyHost() {
        return allowlist != null && allowlist.stream().anyMatch(e -> e.domain().isAny());
    }

    /**
     * Reads the API's {@code network}: absent, {@code "disabled"}, {@code {"allowlist": "disabled"}} or {@code
     * {"allowlist": [entry...]}}; any refusal names the field. {@code anyHost} says whether {@code *} is permitted.
     */
    public static NetworkPolicy parse(JsonNode network, String field, DomainPattern.Any anyHost) {
        if (network == null || network.isNull() || network.isMissingNode()) {
            return DISABLED;
        }
        if (network.isTextual() && DISABLED_TEXT.equals(network.asText())) {
            return DISABLED;
        }
        if (!network.isObject()) {
            throw invalid(field + " must be \"disabled\" or {\"allowlist\": [{\"domain\": ...}, ...]}");
        }
        for (Iterator<String> names = network.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("allowlist")) {
                throw invalid(field + "." + name + " is not a known field; " + field + " takes only allowlist");
            }
        }
        JsonNode list = network.get("allowlist");
        if (list == null || list.isNull() || (list.isTextual() && DISABLED_TEXT.equals(list.asText()))) {
            return DISABLED;
        }
        if (!list.isArray()) {
            throw invalid(field + ".allowlist must be a list of {\"domain\": ...} entries or \"disabled\"");
        }
        if (list.size() > MAX_ENTRIES) {
            throw invalid(field + ".allowlist has more than " + MAX_ENTRIES + " entries");
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = field + ".allowlist[" + i + "]";
            Entry entry = entry(list.get(i), at, anyHost);
            if (!seen.add(entry.domain().text())) {
                throw invalid(at + ".domain: " + entry.domain() + " is listed twice; merge the two entries");
            }
            entries.add(entry);
        }
        return new NetworkPolicy(List.copyOf(entries));
    }

    private static Entry entry(JsonNode node, String at, DomainPattern.Any anyHost) {
        if (node == null || !node.isObject()) {
            throw invalid(at + " must be an object {\"domain\": ..., \"credential\"?: ..., \"transform\"?: ...}");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("domain", "credential", "transform").contains(name)) {
                throw invalid(at + "." + name + " is not a known field (domain, credential, transform)");
            }
        }
        JsonNode domainNode = node.get("domain");
        if (domainNode == null || domainNode.isNull()) {
            throw invalid(at + ".domain is required");
        }
        DomainPattern domain = DomainPattern.parse(at + ".domain", domainNode.isTextual() ? domainNode.asText()
                : domainNode, anyHost, "this tenant may not allow every host; list the domains it needs");
        String credential = null;
        JsonNode credentialNode = node.get("credential");
        if (credentialNode != null && !credentialNode.isNull()) {
            if (!credentialNode.isTextual() || !ResourceIds.isChosenId(credentialNode.asText())) {
                throw invalid(at + ".credential must be the id of a credential (see /v1/credentials)");
            }
            credential = credentialNode.asText();
        }
        return new Entry(domain, credential, transforms(node.get("transform"), at + ".transform"));
    }

    private static List<Map<String, String>> transforms(JsonNode transform, String field) {
        if (transform == null || transform.isNull()) {
            return List.of();
        }
        List<JsonNode> maps = new ArrayList<>();
        if (transform.isObject()) {
            maps.add(transform);
        } else if (transform.isArray()) {
            transform.forEach(maps::add);
        } else {
            throw invalid(field + " must be a header map {\"Name\": \"value\"} or a list of them");
        }
        List<Map<String, String>> headers = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < maps.size(); i++) {
            JsonNode map = maps.get(i);
            String at = transform.isArray() ? field + "[" + i + "]" : field;
            if (map == null || !map.isObject()) {
                throw invalid(at + " must be a header map {\"Name\": \"value\"}");
            }
            Map<String, String> one = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> header = it.next();
                String name = header.getKey();
                if (!HeaderRules.isName(name)) {
                    throw invalid(at + ": '" + printable(name) + "' is not an HTTP header name");
                }
                if (HeaderRules.isReserved(name)) {
                    throw invalid(at + "." + name + ": that header frames or routes the request itself and cannot"
                            + " be set");
                }
                JsonNode value = header.getValue();
                if (value == null || !value.isTextual()) {
                    throw invalid(at + "." + name + " must be a string");
                }
                if (value.asText().length() > MAX_HEADER_VALUE_CHARS || !headerSafe(value.asText())) {
                    throw invalid(at + "." + name + " must be printable text (no line breaks or control characters),"
                            + " at most " + MAX_HEADER_VALUE_CHARS + " characters");
                }
                if (++count > MAX_HEADERS_PER_ENTRY) {
                    throw invalid(field + " sets more than " + MAX_HEADERS_PER_ENTRY + " headers");
                }
                one.put(name, value.asText());
            }
            if (!one.isEmpty()) {
                headers.add(java.util.Collections.unmodifiableMap(one));
            }
        }
        return List.copyOf(headers);
    }

    /** Visible ASCII and inner spaces/tabs: what a header value may carry without being reframed. */
    private static boolean headerSafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String name) {
        return name.replaceAll("[^\\x20-\\x7E]", "?");
    }

    /** What the sandbox can reach, told to the built-in agent so it neither tries the impossible nor gives up early. */
    public String describeForAgent() {
        if (disabled()) {
            return "Network: this sandbox is offline. No web page, API or package index can be reached; work with"
                    + " the files in /workspace and what is installed.";
        }
        if (allowsAnyHost()) {
            return "Network: HTTP and HTTPS to public hosts work from your code and the browser (through the"
                    + " platform's proxy; names resolve there, not in the sandbox). Private and local addresses are"
                    + " refused.";
        }
        StringBuilder hosts = new StringBuilder();
        for (Entry entry : allowlist) {
            hosts.append(hosts.length() == 0 ? "" : ", ").append(entry.domain().text());
        }
        return "Network: HTTP and HTTPS work only to these hosts (" + hosts + "), from your code and the browser,"
                + " through the platform's proxy. Any other host is refused with a 403 from the proxy that names it;"
                + " do not retry those. Credentials are added by the proxy where the platform holds them, and an"
                + " environment variable whose value starts with wharf-placeholder- stands for a secret: use it as"
                + " the real value, the proxy puts the secret in its place.";
    }

    /** The stored form: {@code disabled}, or the canonical JSON of the allowlist. */
    public String stored() {
        if (disabled()) {
            return DISABLED_TEXT;
        }
        try {
            return JSON.writeValueAsString(view());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads what {@link #stored} wrote; already checked, so nothing is refused here. */
    public static NetworkPolicy fromStored(String stored) {
        if (stored == null || stored.equals(DISABLED_TEXT)) {
            return DISABLED;
        }
        try {
            JsonNode list = JSON.readTree(stored).get("allowlist");
            List<Entry> entries = new ArrayList<>();
            for (JsonNode node : list) {
                List<Map<String, String>> headers = new ArrayList<>();
                JsonNode transform = node.get("transform");
                if (transform != null) {
                    for (JsonNode map : transform) {
                        Map<String, String> one = new LinkedHashMap<>();
                        map.fields().forEachRemaining(h -> one.put(h.getKey(), h.getValue().asText()));
                        headers.add(java.util.Collections.unmodifiableMap(one));
                    }
                }
                JsonNode credential = node.get("credential");
                entries.add(new Entry(DomainPattern.stored(node.get("domain").asText()),
                        credential == null ? null : credential.asText(), List.copyOf(headers)));
            }
            return new NetworkPolicy(List.copyOf(entries));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored network policy is not JSON", e);
        }
    }

    /** As the API shows it: {@code "disabled"} or {@code {"allowlist": [{domain, credential?, transform?}]}}. */
    public JsonNode view() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (disabled()) {
            return nodes.textNode(DISABLED_TEXT);
        }
        ArrayNode list = nodes.arrayNode();
        for (Entry entry : allowlist) {
            ObjectNode node = list.addObject().put("domain", entry.domain().text());
            if (entry.credential() != null) {
                node.put("credential", entry.credential());
            }
            if (!entry.headers().isEmpty()) {
                ArrayNode transform = node.putArray("transform");
                entry.headers().forEach(map -> {
                    ObjectNode one = transform.addObject();
                    map.forEach(one::put);
                });
            }
        }
        ObjectNode root = nodes.objectNode();
        root.set("allowlist", list);
        return root;
    }

    private static ApiException invalid(String message) {
        return ApiException.invalidArgument(message);
    }
}
