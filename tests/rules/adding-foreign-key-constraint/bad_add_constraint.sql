-- A release added this to a 41 M row table and took the platform down.
ALTER TABLE measurements
    ADD CONSTRAINT measurements_patient_id_fkey
    FOREIGN KEY (patient_id) REFERENCES patients (id);
