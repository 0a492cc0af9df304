BEGIN;
ALTER TABLE measurements ADD COLUMN note text;
-- The index build on patients scans it while measurements stays locked.
CREATE INDEX patients_created_at_idx ON patients (created_at);
COMMIT;
