-- audit_log is not in the stats: unknown size counts as large.
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);
