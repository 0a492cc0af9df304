-- CONCURRENTLY cannot run inside BEGIN … COMMIT, so the help says to move it out.
BEGIN;
CREATE INDEX ON audit_log USING brin (created_at);
COMMIT;
