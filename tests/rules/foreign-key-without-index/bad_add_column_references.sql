ALTER TABLE small_lookup ADD COLUMN patient_id bigint REFERENCES patients (id);
