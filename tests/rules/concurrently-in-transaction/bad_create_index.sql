BEGIN;
CREATE INDEX CONCURRENTLY measurements_taken_at_idx ON measurements (taken_at);
COMMIT;
