-- The retention purge deletes a tenant's network log entries by age, also from environments that live on.
CREATE INDEX network_log_tenant_time_idx ON network_log (tenant_id, time);
