-- Tenants: who may call Wharf, and the limits that apply to their work. Every tenant-owned row carries
-- tenant_id, and every read of such a row filters by it: another tenant's ids answer 404.
CREATE TABLE tenant (
    id                               text        PRIMARY KEY,
    name                             text        NOT NULL,
    created_at                       timestamptz NOT NULL,
    updated_at                       timestamptz NOT NULL,
    -- Limits; null means the platform default (wharf.tenants.defaults.*).
    max_concurrent_sandboxes         integer     CHECK (max_concurrent_sandboxes > 0),
    default_timeout_seconds          integer     CHECK (default_timeout_seconds > 0),
    max_timeout_seconds              integer     CHECK (max_timeout_seconds > 0),
    retention_days                   integer     CHECK (retention_days > 0),
    environment_idle_ttl_seconds     integer     CHECK (environment_idle_ttl_seconds > 0),
    environment_max_lifetime_seconds integer     CHECK (environment_max_lifetime_seconds > 0)
);

-- The tenant every existing row belongs to, and the one a fresh installation hands its first key to.
INSERT INTO tenant (id, name, created_at, updated_at) VALUES ('default', 'default', now(), now());

-- API keys are stored as SHA-256 hashes of the whole key (keys are 190 random bits, so a fast hash is enough:
-- there is nothing to brute-force). The key itself is shown once, when it is created.
CREATE TABLE api_key (
    id            text        PRIMARY KEY,
    tenant_id     text        NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name          text,
    key_hash      text        NOT NULL UNIQUE,
    -- The first characters of the key, so people can tell their keys apart in a listing.
    key_prefix    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_key_tenant_idx ON api_key (tenant_id, created_at);

ALTER TABLE environment ADD COLUMN tenant_id text NOT NULL DEFAULT 'default' REFERENCES tenant (id);
ALTER TABLE environment ALTER COLUMN tenant_id DROP DEFAULT;
DROP INDEX environment_list_idx;
CREATE INDEX environment_list_idx ON environment (tenant_id, created_at DESC, id DESC);

ALTER TABLE interaction ADD COLUMN tenant_id text NOT NULL DEFAULT 'default' REFERENCES tenant (id);
ALTER TABLE interaction ALTER COLUMN tenant_id DROP DEFAULT;
DROP INDEX interaction_list_idx;
CREATE INDEX interaction_list_idx ON interaction (tenant_id, created_at DESC, id DESC);
-- Idempotency keys are the caller's: two tenants may well pick the same one.
ALTER TABLE interaction DROP CONSTRAINT interaction_idempotency_key_key;
CREATE UNIQUE INDEX interaction_idempotency_idx ON interaction (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Agent ids are chosen by their tenant, so they are unique per tenant only.
ALTER TABLE agent ADD COLUMN tenant_id text NOT NULL DEFAULT 'default' REFERENCES tenant (id);
ALTER TABLE agent ALTER COLUMN tenant_id DROP DEFAULT;
ALTER TABLE agent DROP CONSTRAINT agent_pkey;
ALTER TABLE agent ADD PRIMARY KEY (tenant_id, id);

ALTER TABLE webhook ADD COLUMN tenant_id text NOT NULL DEFAULT 'default' REFERENCES tenant (id);
ALTER TABLE webhook ALTER COLUMN tenant_id DROP DEFAULT;
DROP INDEX webhook_list_idx;
CREATE INDEX webhook_list_idx ON webhook (tenant_id, created_at DESC, id DESC);

ALTER TABLE webhook_delivery ADD COLUMN tenant_id text NOT NULL DEFAULT 'default' REFERENCES tenant (id);
ALTER TABLE webhook_delivery ALTER COLUMN tenant_id DROP DEFAULT;
