package dev.wharf.egress.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the control plane's policy document. Strict about what decides access (a malformed entry makes the whole
 * answer unusable, so the proxy fails closed) and lenient about fields it does not know.
 */
public final class PolicyJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PolicyJson() {
    }

    public static Policy parse(byte[] body) throws IOException {
        JsonNode root = JSON.readTree(body);
        if (root == null || !root.isObject()) {
            throw new IOException("policy is not a JSON object");
        }
        String network = text(root, "network", true);
        boolean enabled = switch (network) {
            case "allowlist" -> true;
            case "disabled" -> false;
            default -> throw new IOException("unknown network mode");
        };
        List<AllowRule> rules = new ArrayList<>();
        for (JsonNode entry : array(root, "allowlist")) {
            rules.add(rule(entry));
        }
        List<Placeholder> placeholders = new ArrayList<>();
        for (JsonNode entry : array(root, "placeholders")) {
            placeholders.add(placeholder(entry));
        }
        Integer maxConnections = null;
        Long bandwidth = null;
        JsonNode limits = root.get("limits");
        if (limits != null && limits.isObject()) {
            JsonNode max = limits.get("max_connections");
            if (max != null && max.canConvertToInt() && max.asInt() > 0) {
                maxConnections = max.asInt();
            }
            JsonNode bw = limits.get("bandwidth_bytes_per_second");
            if (bw != null && bw.canConvertToLong() && bw.asLong() >= 0) {
                bandwidth = bw.asLong();
            }
        }
        return new Policy(text(root, "environment_id", false), text(root, "tenant_id", false), enabled,
                List.copyOf(rules), List.copyOf(placeholders), maxConnections, bandwidth);
    }

    private static AllowRule rule(JsonNode entry) throws IOException {
        HostPattern domain = pattern(text(entry, "domain", true));
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (JsonNode pair : array(entry, "headers")) {
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isTextual()) {
                throw new IOException("a header is not a [name, value] pair");
            }
            headers.add(Map.entry(pair.get(0).asText(), pair.get(1).asText()));
        }
        OAuth2Grant grant = null;
        JsonNode oauth = entry.get("oauth2");
        if (oauth != null && !oauth.isNull()) {
            List<String> scopes = new ArrayList<>();
            for (JsonNode scope : array(oauth, "scopes")) {
                scopes.add(scope.asText());
            }
            String prefix = text(oauth, "prefix", false);
            String headerName = text(oauth, "header_name", false);
            grant = new OAuth2Grant(text(oauth, "cache_key", true), text(oauth, "token_url", true),
                    text(oauth, "client_id", false), text(oauth, "client_secret", false),
                    text(oauth, "refresh_token", true), List.copyOf(scopes),
                    headerName == null || headerName.isBlank() ? "Authorization" : headerName,
                    prefix == null ? "" : prefix);
        }
        return new AllowRule(domain, List.copyOf(headers), grant);
    }

    private static Placeholder placeholder(JsonNode entry) throws IOException {
        String text = text(entry, "placeholder", true);
        if (text.isEmpty()) {
            throw new IOException("empty placeholder");
        }
        Set<Location> locations = EnumSet.noneOf(Location.class);
        for (JsonNode location : array(entry, "locations")) {
            try {
                locations.add(Location.valueOf(location.asText().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException unknown) {
                // A location this proxy does not know cannot be honoured; replacing nowhere is the safe reading.
            }
        }
        List<HostPattern> trusted = null;
        JsonNode domains = entry.get("trusted_domains");
        if (domains != null && !domains.isNull()) {
            trusted = new ArrayList<>();
            for (JsonNode domain : array(entry, "trusted_domains")) {
                trusted.add(pattern(domain.asText()));
            }
            trusted = List.copyOf(trusted);
        }
        return new Placeholder(text, text(entry, "value", true), Set.copyOf(locations), trusted);
    }

    private static HostPattern pattern(String text) throws IOException {
        try {
            return HostPattern.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    private static Iterable<JsonNode> array(JsonNode parent, String field) throws IOException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IOException(field + " is not an array");
        }
        return node;
    }

    private static String text(JsonNode parent, String field, boolean required) throws IOException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new IOException("missing " + field);
            }
            return null;
        }
        if (!node.isTextual()) {
            throw new IOException(field + " is not a string");
        }
        return node.asText();
    }
}
