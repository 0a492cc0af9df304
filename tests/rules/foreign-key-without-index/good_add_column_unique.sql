-- UNIQUE on the new column builds an index that starts with it.
ALTER TABLE small_lookup ADD COLUMN patient_id bigint UNIQUE REFERENCES patients (id);
