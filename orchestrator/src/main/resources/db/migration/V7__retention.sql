-- Environment lifetimes and retention.

-- When the environment's current sandbox became active (created or resumed). Its maximum lifetime counts from here:
-- while active, expires_at is never later than active_since + the tenant's (or platform's) maximum lifetime.
ALTER TABLE environment ADD COLUMN active_since timestamptz;
UPDATE environment SET active_since = last_accessed_at WHERE status = 'active';

-- The retention purge finds interactions and delivery attempts by tenant and age.
CREATE INDEX interaction_retention_idx ON interaction (tenant_id, (COALESCE(ended_at, created_at)));
CREATE INDEX webhook_delivery_retention_idx ON webhook_delivery (tenant_id, created_at);
CREATE INDEX webhook_delivery_interaction_idx ON webhook_delivery (interaction_id) WHERE interaction_id IS NOT NULL;
-- The interactions that ran in an environment: whether one still runs there (then the environment is in use and not
-- idle), and when the last one ended (activity that keeps the environment's files within retention).
CREATE INDEX interaction_environment_idx ON interaction (environment_id) WHERE environment_id IS NOT NULL;
