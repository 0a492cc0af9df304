-- The constraint was added NOT VALID by an earlier migration; this block locks the table first.
BEGIN;
ALTER TABLE patients ADD COLUMN nickname text;
ALTER TABLE patients VALIDATE CONSTRAINT patients_birth_date_past;
COMMIT;
