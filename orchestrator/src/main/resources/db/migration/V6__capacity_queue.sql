-- Service tiers and sandbox capacity. The queue is the interaction rows themselves: an agent interaction waits
-- for a sandbox slot while status = 'queued', enqueued_at is set and admitted_at is not. The dispatcher admits
-- rows under one advisory lock, so nothing but the database is needed to resume after a restart.

-- The tier the caller asked for; derived from the stored request so it can never disagree with it. Values
-- other than flex and priority (absent, or anything stored before tiers were validated) are standard.
ALTER TABLE interaction ADD COLUMN service_tier text GENERATED ALWAYS AS (
    CASE WHEN request->>'service_tier' IN ('flex', 'priority') THEN request->>'service_tier' ELSE 'standard' END
) STORED;

-- When the creating control plane handed the interaction to the queue (its input is recorded by then), and when
-- the dispatcher admitted it. Only agent interactions pass through the queue; model calls leave both null.
ALTER TABLE interaction ADD COLUMN enqueued_at timestamptz;
ALTER TABLE interaction ADD COLUMN admitted_at timestamptz;

-- Everything that already ran was admitted when it started.
UPDATE interaction SET admitted_at = COALESCE(started_at, created_at) WHERE agent IS NOT NULL AND status <> 'queued';

-- The waiting rows, in admission order within each tier.
CREATE INDEX interaction_queue_idx ON interaction (service_tier, enqueued_at, id)
    WHERE status = 'queued' AND enqueued_at IS NOT NULL AND admitted_at IS NULL;
-- A tenant's most recent admission, for fairness between tenants.
CREATE INDEX interaction_admitted_idx ON interaction (tenant_id, admitted_at DESC) WHERE admitted_at IS NOT NULL;

-- An environment created on its own (POST /v1/environments), not for an agent interaction. It holds a sandbox
-- slot whenever its container is provisioning or running.
ALTER TABLE environment ADD COLUMN standalone boolean NOT NULL DEFAULT false;
CREATE INDEX environment_standalone_idx ON environment (id) WHERE standalone AND status IN ('provisioning', 'active');
