-- Metering: every second a sandbox runs and every token a model call uses, priced when it is recorded.
-- All times here come from the database's clock (now()), or from the engine's record of when a container
-- stopped, bounded by it; never from the control plane's clock, which tests move.

-- A running sandbox container's open interval: opened when the engine reports the container started, deleted when
-- it stops. The ledger already holds its time up to metered_until; a periodic checkpoint moves metered_until
-- forward, so a long-running sandbox reaches the ledger (and the budgets) while it runs. interaction_id is the agent
-- interaction whose run is using the sandbox now (its time is charged to it), null for an idle environment.
CREATE TABLE sandbox_interval (
    container_id    text        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    environment_id  text        NOT NULL,
    interaction_id  text,
    agent           text,
    service_tier    text        NOT NULL DEFAULT 'standard',
    started_at      timestamptz NOT NULL,
    metered_until   timestamptz NOT NULL
);
CREATE INDEX sandbox_interval_tenant_idx ON sandbox_interval (tenant_id);
CREATE INDEX sandbox_interval_interaction_idx ON sandbox_interval (interaction_id) WHERE interaction_id IS NOT NULL;

-- The usage ledger, append-only: one row per piece of sandbox time (never spanning a UTC midnight) and one per
-- model call's tokens. cost is priced with the price book in force when the row was written, so a price change
-- never rewrites history. Rows outlive the interactions and environments they name (no foreign keys): a deleted
-- interaction was still used.
CREATE TABLE usage_record (
    id               bigserial      PRIMARY KEY,
    tenant_id        text           NOT NULL,
    kind             text           NOT NULL CHECK (kind IN ('sandbox', 'tokens')),
    -- Sandbox time: the start of the piece; tokens: when the call's usage was recorded.
    occurred_at      timestamptz    NOT NULL,
    -- Sandbox time only: the end of the piece.
    ended_at         timestamptz,
    -- The first day of the UTC month the usage belongs to (budgets are per month).
    period           date           NOT NULL,
    environment_id   text,
    container_id     text,
    interaction_id   text,
    agent            text,
    model            text,
    service_tier     text           NOT NULL,
    sandbox_seconds  numeric(18, 6) NOT NULL DEFAULT 0,
    input_tokens     bigint         NOT NULL DEFAULT 0,
    output_tokens    bigint         NOT NULL DEFAULT 0,
    thought_tokens   bigint         NOT NULL DEFAULT 0,
    cost             numeric(24, 12) NOT NULL DEFAULT 0,
    recorded_at      timestamptz    NOT NULL DEFAULT now(),
    CHECK (kind <> 'sandbox' OR ended_at >= occurred_at)
);
CREATE INDEX usage_record_tenant_time_idx ON usage_record (tenant_id, occurred_at);
CREATE INDEX usage_record_time_idx ON usage_record (occurred_at);
CREATE INDEX usage_record_interaction_idx ON usage_record (interaction_id) WHERE interaction_id IS NOT NULL;
CREATE INDEX usage_record_container_idx ON usage_record (container_id) WHERE container_id IS NOT NULL;

CREATE FUNCTION usage_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'usage_record is an append-only ledger';
END
$$;
CREATE TRIGGER usage_record_append_only BEFORE UPDATE OR DELETE ON usage_record
    FOR EACH ROW EXECUTE FUNCTION usage_record_append_only();

-- Each tenant's consumption per UTC month: the ledger summed, kept up to date in the same statement as every
-- ledger insert, so a budget check is one primary-key read.
CREATE TABLE usage_month (
    tenant_id        text           NOT NULL,
    period           date           NOT NULL,
    sandbox_seconds  numeric(18, 6) NOT NULL DEFAULT 0,
    input_tokens     bigint         NOT NULL DEFAULT 0,
    output_tokens    bigint         NOT NULL DEFAULT 0,
    thought_tokens   bigint         NOT NULL DEFAULT 0,
    cost             numeric(24, 12) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, period)
);

-- Budgets: per tenant, per UTC calendar month. A null limit is no limit.
CREATE TABLE budget (
    tenant_id        text           PRIMARY KEY REFERENCES tenant (id) ON DELETE CASCADE,
    sandbox_minutes  numeric(18, 6) CHECK (sandbox_minutes > 0),
    tokens           bigint         CHECK (tokens > 0),
    cost             numeric(24, 12) CHECK (cost > 0),
    -- Percentages of each limit at which budget.threshold_reached fires.
    thresholds       integer[]      NOT NULL DEFAULT '{50,80,100}',
    -- At 100 %, end the tenant's running interactions (budget_exceeded) instead of only refusing new work.
    stop_running     boolean        NOT NULL DEFAULT false,
    updated_at       timestamptz    NOT NULL DEFAULT now()
);

-- Thresholds that fired. The primary key makes firing exactly-once per threshold per period, however many
-- control planes evaluate the same budget at the same moment: only the insert that wins sends the webhook.
CREATE TABLE budget_alert (
    tenant_id    text           NOT NULL,
    period       date           NOT NULL,
    budget       text           NOT NULL CHECK (budget IN ('sandbox_minutes', 'tokens', 'cost')),
    threshold    integer        NOT NULL,
    consumed     numeric(24, 12) NOT NULL,
    limit_value  numeric(24, 12) NOT NULL,
    fired_at     timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, period, budget, threshold)
);
