-- Egress: environments' variables that stand for credentials, the proxy's lookup of a sandbox by its address, a
-- tenant's permission to allow any host, and the record of every request a sandbox made through the proxy.

-- {NAME: {"credential": id, "placeholder": text}}: the sandbox sees the placeholder (env_vars holds it too); the
-- egress proxy puts the credential's value in its place on requests to the credential's trusted domains.
ALTER TABLE environment ADD COLUMN credential_env jsonb NOT NULL DEFAULT '{}'::jsonb;

-- The proxy identifies a sandbox by its source address on every request.
CREATE INDEX environment_sandbox_address_idx ON environment (sandbox_address) WHERE status = 'active';

-- Null: the platform default (wharf.egress.allow-any-host).
ALTER TABLE tenant ADD COLUMN egress_allow_any_host boolean;

-- Never header values, bodies or query strings: what was asked of whom, what the proxy decided and why.
CREATE TABLE network_log (
    id              bigserial   PRIMARY KEY,
    environment_id  text        NOT NULL REFERENCES environment (id) ON DELETE CASCADE,
    tenant_id       text        NOT NULL,
    time            timestamptz NOT NULL,
    method          text        NOT NULL,
    scheme          text        NOT NULL,
    host            text        NOT NULL,
    port            integer     NOT NULL,
    path            text,
    decision        text        NOT NULL CHECK (decision IN ('allowed', 'denied')),
    reason          text,
    status          integer,
    bytes_sent      bigint      NOT NULL DEFAULT 0,
    bytes_received  bigint      NOT NULL DEFAULT 0,
    duration_ms     bigint      NOT NULL DEFAULT 0,
    intercepted     boolean     NOT NULL DEFAULT false
);
CREATE INDEX network_log_environment_idx ON network_log (environment_id, time DESC, id DESC);
