ALTER TABLE measurements ADD CONSTRAINT measurements_patient_id_not_null CHECK (patient_id IS NOT NULL) NOT VALID;
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_patient_id_not_null;
ALTER TABLE measurements ALTER COLUMN patient_id SET NOT NULL;
ALTER TABLE measurements DROP CONSTRAINT measurements_patient_id_not_null;
