-- Without BEGIN each statement commits on its own: VALIDATE runs under SHARE UPDATE EXCLUSIVE only.
ALTER TABLE measurements
    ADD CONSTRAINT measurements_patient_id_fkey
    FOREIGN KEY (patient_id) REFERENCES patients (id) NOT VALID;
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_patient_id_fkey;
