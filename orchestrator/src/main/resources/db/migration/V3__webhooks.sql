-- Webhooks: subscriptions to interaction events, and one row per delivery attempt.
CREATE TABLE webhook (
    id                    text        PRIMARY KEY,
    uri                   text        NOT NULL,
    subscribed_events     jsonb       NOT NULL,
    state                 text        NOT NULL CHECK (state IN ('enabled', 'disabled')),
    -- The signing secret (whsec_...). Shown once, at create; kept because every delivery is signed with it.
    secret                text        NOT NULL,
    -- Failed attempts since the last success; reaching wharf.webhooks.disable-after disables the webhook.
    consecutive_failures  integer     NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX webhook_list_idx ON webhook (created_at DESC, id DESC);

-- One row per attempt. id is the delivery (the message, sent as webhook-id) and stays the same across its
-- attempts. A failed attempt that may be retried inserts the next attempt as 'pending' with next_attempt_at.
-- webhook_id is null for the per-request webhook_config.uris, which are signed with the platform secret.
CREATE TABLE webhook_delivery (
    id               text        NOT NULL,
    attempt          integer     NOT NULL,
    webhook_id       text        REFERENCES webhook (id) ON DELETE CASCADE,
    uri              text        NOT NULL,
    event_type       text        NOT NULL,
    interaction_id   text,
    payload          jsonb       NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    response_status  integer,
    error            text,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz,
    -- A sender claims a due attempt by pushing claimed_until past its request timeout and writing its own token;
    -- only the holder of the token may finalise it (fencing), and a lapsed claim may be taken over.
    claim_token      text,
    claimed_until    timestamptz,
    PRIMARY KEY (id, attempt)
);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_delivery_list_idx ON webhook_delivery (webhook_id, created_at DESC);

-- The platform secret that signs deliveries to per-request webhook_config.uris, generated on first use unless
-- wharf.webhooks.request-secret is set. A single row.
CREATE TABLE webhook_secret (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    secret      text        NOT NULL,
    created_at  timestamptz NOT NULL
);
