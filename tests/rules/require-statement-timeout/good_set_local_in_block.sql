BEGIN;
SET LOCAL statement_timeout = '30s';
ALTER TABLE patients ADD COLUMN note text;
COMMIT;
