ALTER TABLE measurements ADD COLUMN ward_patient_id bigint REFERENCES patients (id);
