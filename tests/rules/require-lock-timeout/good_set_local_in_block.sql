BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE measurements ADD COLUMN note text;
COMMIT;
