-- Workspace size limits. Numbered 12, not 9: other parts of issue 9 are being written in parallel and may
-- take V9..V11; Flyway only needs the numbers to be unique and increasing.
-- A tenant's cap on each of its environments' workspace (bytes; null: the platform's wharf.sandbox.workspace-size).
ALTER TABLE tenant ADD COLUMN max_workspace_bytes bigint CHECK (max_workspace_bytes > 0);
-- The hard size an environment's workspace was made with (its ext4 image); null for workspaces made before
-- limits existed, which keep their unlimited plain volume.
ALTER TABLE environment ADD COLUMN workspace_limit_bytes bigint CHECK (workspace_limit_bytes > 0);
