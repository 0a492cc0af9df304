-- Forms a specific rule covers are reported by that rule, not this one.
ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk FOREIGN KEY (patient_id) REFERENCES patients (id);
CREATE INDEX measurements_value_idx ON measurements (value);
ALTER TABLE measurements ALTER COLUMN patient_id SET NOT NULL;
VACUUM FULL measurements;
