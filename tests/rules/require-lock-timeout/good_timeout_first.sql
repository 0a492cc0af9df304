SET lock_timeout = '2s';
ALTER TABLE measurements ADD COLUMN note text;
CREATE INDEX CONCURRENTLY measurements_patient_id_idx ON measurements (patient_id);
