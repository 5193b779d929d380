-- Deleting a tenant. The row stays as a tombstone: the usage ledger names tenants without a foreign key and is kept
-- for billing until the tenant's retention purges it (the purge reads retention_days from this row), and a new
-- tenant must never reuse the id and inherit those records. state moves active -> deleting -> deleted only
-- (dev.wharf.tenant.TenantState); 'deleting' is what a crash midway leaves, and the deletion sweep finishes it.
ALTER TABLE tenant ADD COLUMN state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'deleting', 'deleted'));
-- When the deletion began; set together with state = 'deleting'.
ALTER TABLE tenant ADD COLUMN deleted_at timestamptz;
ALTER TABLE tenant ADD CONSTRAINT tenant_deleted_at_check CHECK ((state = 'active') = (deleted_at IS NULL));
-- The sweep looks for tenants being deleted (and for deleted ones that still own something a racing request made).
CREATE INDEX tenant_deleted_idx ON tenant (deleted_at) WHERE state <> 'active';
