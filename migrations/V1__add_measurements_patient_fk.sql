-- Every measurement must belong to a patient.
-- Written the natural way; on a 41 M row table this locks writes to both
-- tables for the whole validation scan.
ALTER TABLE measurements
    ADD CONSTRAINT measurements_patient_id_fkey
    FOREIGN KEY (patient_id) REFERENCES patients (id);
