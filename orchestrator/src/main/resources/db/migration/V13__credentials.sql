-- Credentials: secrets a tenant stores for its sandboxes' outbound requests (the egress proxy injects them; code in
-- a sandbox never sees them). Ids are chosen by the tenant, so they are unique per tenant only.
--
-- Secret fields are stored only sealed (dev.wharf.credential.SealedSecret): AES-256-GCM under the control plane's
-- wharf.secrets.key, laid out as one format byte (1), one key id byte, a random 96-bit nonce, then the ciphertext
-- with its 128-bit tag. The tenant, the credential id and the field name are the associated data, so a sealed value
-- opens only in the row and column it was written for. A dump of this table without the key holds no secret.
-- Which columns are set depends on the type; the check below keeps every row to its type's shape.
CREATE TABLE credential (
    tenant_id             text        NOT NULL REFERENCES tenant (id),
    id                    text        NOT NULL,
    type                  text        NOT NULL CHECK (type IN ('environment_variable', 'bearer_token', 'oauth2')),
    -- active -> revoked only (dev.wharf.credential.CredentialStatus): revocation is final.
    status                text        NOT NULL CHECK (status IN ('active', 'revoked')),
    -- The type's non-secret settings (injection locations, trusted domains, header, token URL, client id, scopes).
    settings              jsonb       NOT NULL,
    value_sealed          bytea,
    token_sealed          bytea,
    client_secret_sealed  bytea,
    refresh_token_sealed  bytea,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT credential_secrets_match_type CHECK (CASE type
        WHEN 'environment_variable' THEN value_sealed IS NOT NULL AND token_sealed IS NULL
            AND client_secret_sealed IS NULL AND refresh_token_sealed IS NULL
        WHEN 'bearer_token' THEN token_sealed IS NOT NULL AND value_sealed IS NULL
            AND client_secret_sealed IS NULL AND refresh_token_sealed IS NULL
        WHEN 'oauth2' THEN client_secret_sealed IS NOT NULL AND refresh_token_sealed IS NOT NULL
            AND value_sealed IS NULL AND token_sealed IS NULL
        END)
);
CREATE INDEX credential_list_idx ON credential (tenant_id, created_at DESC, id DESC);
