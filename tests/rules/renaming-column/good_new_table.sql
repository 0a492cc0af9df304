-- No running code knows a table created in this migration set.
CREATE TABLE visits (id bigint PRIMARY KEY, reason text);
ALTER TABLE visits RENAME COLUMN reason TO visit_reason;
