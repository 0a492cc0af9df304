-- The foreign key that took the platform down: an error on 41 M rows.
ALTER TABLE measurements
    ADD CONSTRAINT measurements_patient_id_fkey
    FOREIGN KEY (patient_id) REFERENCES patients (id);

-- On a 50-row table the same lock is info.
ALTER TABLE small_lookup ADD CONSTRAINT small_lookup_patient_fkey FOREIGN KEY (patient_id) REFERENCES patients (id);

-- pgsafe:ignore lock-table nothing here takes that lock
SELECT 1;
