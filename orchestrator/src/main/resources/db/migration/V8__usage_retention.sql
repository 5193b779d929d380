-- The usage ledger stays append-only for everything but the retention purge: nothing older than a tenant's
-- retention may remain anywhere Wharf writes, billing records included. The purge marks its own transaction
-- (SET LOCAL wharf.retention_purge = 'on'); every other UPDATE or DELETE is still refused.
CREATE OR REPLACE FUNCTION usage_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('wharf.retention_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'usage_record is an append-only ledger';
END
$$;
