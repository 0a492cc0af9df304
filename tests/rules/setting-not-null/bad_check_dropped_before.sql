ALTER TABLE patients ADD CONSTRAINT patients_mrn_not_null CHECK (mrn IS NOT NULL) NOT VALID;
ALTER TABLE patients VALIDATE CONSTRAINT patients_mrn_not_null;
ALTER TABLE patients DROP CONSTRAINT patients_mrn_not_null;
ALTER TABLE patients ALTER COLUMN mrn SET NOT NULL;
