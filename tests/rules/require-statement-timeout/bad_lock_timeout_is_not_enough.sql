SET lock_timeout = '2s';
CREATE INDEX measurements_patient_id_idx ON measurements (patient_id);
