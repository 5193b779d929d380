-- Environments: one sandbox (container + workspace volume) each. The row is the truth;
-- Docker is reconciled against it by labels.
CREATE TABLE environment (
    id                text        PRIMARY KEY,
    status            text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    last_accessed_at  timestamptz NOT NULL DEFAULT now(),
    -- Persisted deadlines: idle expiry for an active sandbox, file purge for an expired one.
    expires_at        timestamptz,
    purge_at          timestamptz,
    container_id      text,
    sandbox_address   text,
    sandbox_token     text        NOT NULL,
    volume_name       text        NOT NULL,
    network           text        NOT NULL DEFAULT 'disabled',
    env_vars          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    file_count        bigint      NOT NULL DEFAULT 0,
    size_bytes        bigint      NOT NULL DEFAULT 0,
    failure_reason    text,
    failure_message   text,
    failure_exit_code integer,
    version           bigint      NOT NULL DEFAULT 0,
    CONSTRAINT environment_status_check
        CHECK (status IN ('provisioning', 'active', 'expired', 'failed', 'deleting'))
);

CREATE INDEX environment_list_idx ON environment (created_at DESC, id DESC);
CREATE INDEX environment_expiry_idx ON environment (expires_at) WHERE status = 'active';
CREATE INDEX environment_purge_idx ON environment (purge_at) WHERE status IN ('expired', 'failed');
