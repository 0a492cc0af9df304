BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE measurements ADD COLUMN note text;
COMMIT;
ALTER TABLE patients ADD COLUMN note text;
