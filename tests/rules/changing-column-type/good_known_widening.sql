-- The old types are known from earlier in this file, and each change is a catalog-only relabel.
ALTER TABLE audit_log
    ADD COLUMN source varchar(64),
    ADD COLUMN amount numeric(10, 2),
    ADD COLUMN client cidr;
ALTER TABLE audit_log ALTER COLUMN source TYPE varchar(128);
ALTER TABLE audit_log ALTER COLUMN source TYPE text;
ALTER TABLE audit_log ALTER COLUMN amount TYPE numeric(14, 2);
ALTER TABLE audit_log ALTER COLUMN client TYPE inet;
