SET lock_timeout = 0;
CREATE INDEX measurements_patient_id_idx ON measurements (patient_id);
