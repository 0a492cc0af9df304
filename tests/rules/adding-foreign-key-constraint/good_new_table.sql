CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint NOT NULL);
ALTER TABLE visits ADD CONSTRAINT visits_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id);
CREATE TABLE notes (id bigint PRIMARY KEY, visit_id bigint REFERENCES visits (id));
