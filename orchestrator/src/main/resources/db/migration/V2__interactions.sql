-- Interactions: one model call or one agent task. The event log is the single truth: GET folds it into
-- steps, streams replay it, and every state change appends to it.
CREATE TABLE interaction (
    id                      text        PRIMARY KEY,
    status                  text        NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    model                   text,
    agent                   text,
    previous_interaction_id text,
    environment_id          text,
    -- The create request as received (snake_case JSON), for echoing fields and running the work.
    request                 jsonb       NOT NULL,
    background              boolean     NOT NULL DEFAULT false,
    store                   boolean     NOT NULL DEFAULT true,
    idempotency_key         text        UNIQUE,
    -- Persisted deadline: at this instant the work is stopped and the interaction ends incomplete.
    deadline_at             timestamptz,
    -- Work the control plane drives (a model call, launching an agent run) is owned through a lease the owner
    -- keeps extending; once an agent run has started in its sandbox, the sandbox drives it instead.
    lease_until             timestamptz,
    run_started             boolean     NOT NULL DEFAULT false,
    -- Secret the sandbox's agent runtime presents to the model gateway for this interaction.
    run_token               text,
    max_total_tokens        bigint,
    max_steps               integer,
    input_tokens            bigint      NOT NULL DEFAULT 0,
    output_tokens           bigint      NOT NULL DEFAULT 0,
    thought_tokens          bigint      NOT NULL DEFAULT 0,
    errors                  jsonb       NOT NULL DEFAULT '[]'::jsonb,
    artifacts               jsonb       NOT NULL DEFAULT '[]'::jsonb,
    last_event_seq          bigint      NOT NULL DEFAULT 0,
    started_at              timestamptz,
    ended_at                timestamptz,
    version                 bigint      NOT NULL DEFAULT 0,
    CONSTRAINT interaction_status_check CHECK (status IN ('queued', 'in_progress', 'requires_action',
        'completed', 'failed', 'cancelled', 'incomplete', 'budget_exceeded')),
    CONSTRAINT interaction_target_check CHECK ((model IS NULL) <> (agent IS NULL))
);

CREATE INDEX interaction_list_idx ON interaction (created_at DESC, id DESC);
CREATE INDEX interaction_running_idx ON interaction (status) WHERE status IN ('queued', 'in_progress');

CREATE TABLE interaction_event (
    interaction_id text        NOT NULL REFERENCES interaction (id) ON DELETE CASCADE,
    seq            bigint      NOT NULL,
    event_type     text        NOT NULL,
    payload        jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (interaction_id, seq)
);

-- Saved agents: a base agent plus instructions, tools, configuration and starting files.
CREATE TABLE agent (
    id                 text        PRIMARY KEY,
    base_agent         text        NOT NULL,
    description        text,
    system_instruction text,
    tools              jsonb       NOT NULL DEFAULT '[]'::jsonb,
    agent_config       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    base_environment   jsonb,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
