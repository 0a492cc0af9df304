ALTER TABLE measurements
    ADD CONSTRAINT measurements_patient_id_fkey_references_patients_id_not_valid_yet
    FOREIGN KEY (patient_id) REFERENCES patients (id) NOT VALID;
