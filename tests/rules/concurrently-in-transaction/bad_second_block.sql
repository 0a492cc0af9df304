BEGIN;
ALTER TABLE measurements ADD COLUMN note text;
COMMIT;

BEGIN;
CREATE UNIQUE INDEX CONCURRENTLY patients_email_idx ON patients (email);
COMMIT;
