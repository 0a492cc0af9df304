ALTER TABLE measurements ADD CONSTRAINT measurements_patient_id_fkey
    FOREIGN KEY (patient_id) REFERENCES patients (id);
