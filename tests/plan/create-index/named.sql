CREATE INDEX measurements_patient_idx ON measurements (patient_id, taken_at DESC) WHERE value > 0;
