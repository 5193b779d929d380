package dev.wharf.credential;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The kinds of credential the contract defines, each with its fields: which are secret, which are settings. */
public enum CredentialType {
    /** A value injected where a sandbox's request carries its placeholder (header, query or body). */
    ENVIRONMENT_VARIABLE("environment_variable", List.of("value"),
            List.of("value", "injection_location", "trusted_domains")),
    /** A token sent in a header, {@code Authorization: Bearer <token>} by default. */
    BEARER_TOKEN("bearer_token", List.of("token"), List.of("token", "header_name", "prefix")),
    /** A refresh token the proxy exchanges at the token URL for access tokens. */
    OAUTH2("oauth2", List.of("client_secret", "refresh_token"),
            List.of("client_id", "client_secret", "refresh_token", "token_url", "scopes"));

    private final String wire;
    private final List<String> secretFields;
    private final List<String> fields;

    CredentialType(String wire, List<String> secretFields, List<String> fields) {
        this.wire = wire;
        this.secretFields = secretFields;
        this.fields = fields;
    }

    public String wire() {
        return wire;
    }

    /** Write-only fields: stored sealed, never answered. */
    public List<String> secretFields() {
        return secretFields;
    }

    /** The fields of this type but {@code id}, {@code type} and {@code status}, in the contract's order. */
    public List<String> fields() {
        return fields;
    }

    public boolean isSecret(String field) {
        return secretFields.contains(field);
    }

    public boolean has(String field) {
        return fields.contains(field);
    }

    public static Optional<CredentialType> fromWire(String wire) {
        return Arrays.stream(values()).filter(type -> type.wire.equals(wire)).findFirst();
    }

    /** Whether any type has {@code field}. */
    static boolean anyHas(String field) {
        return Arrays.stream(values()).anyMatch(type -> type.has(field));
    }

    static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(CredentialType::wire).toList());
    }
}
