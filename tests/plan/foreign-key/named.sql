ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk
    FOREIGN KEY (patient_id) REFERENCES patients (id) ON DELETE CASCADE;
