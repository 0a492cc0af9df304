ALTER TABLE patients ADD CONSTRAINT patients_email_not_null CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE patients VALIDATE CONSTRAINT patients_email_not_null;
ALTER TABLE patients ALTER COLUMN mrn SET NOT NULL;
