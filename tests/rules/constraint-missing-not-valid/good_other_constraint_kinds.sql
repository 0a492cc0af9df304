-- Foreign keys, unique and primary keys have rules of their own; NOT VALID does not apply to them here.
ALTER TABLE measurements ADD CONSTRAINT measurements_device_fkey FOREIGN KEY (device_id) REFERENCES devices (id);
ALTER TABLE patients ADD CONSTRAINT patients_mrn_key UNIQUE USING INDEX patients_mrn_idx;
ALTER TABLE patients ALTER COLUMN mrn SET NOT NULL;
