BEGIN;
CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint NOT NULL);
ALTER TABLE visits ADD CONSTRAINT visits_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id) NOT VALID;
ALTER TABLE visits VALIDATE CONSTRAINT visits_patient_id_fkey;
COMMIT;
