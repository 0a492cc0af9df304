CREATE INDEX CONCURRENTLY measurements_taken_at_idx ON measurements (taken_at);
BEGIN;
ALTER TABLE measurements ADD COLUMN note text;
COMMIT;
DROP INDEX CONCURRENTLY measurements_old_idx;
REINDEX INDEX CONCURRENTLY measurements_pkey;
VACUUM measurements;
