-- The column was added earlier in this file, so the old type is known: narrowing rewrites.
ALTER TABLE audit_log ADD COLUMN source varchar(64);
ALTER TABLE audit_log ALTER COLUMN source TYPE varchar(16);
