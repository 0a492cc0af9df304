BEGIN;
ALTER TABLE measurements ADD COLUMN note text;
COMMIT;
BEGIN;
CREATE INDEX patients_created_at_idx ON patients (created_at);
COMMIT;
