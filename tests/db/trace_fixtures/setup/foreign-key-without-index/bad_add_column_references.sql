ALTER TABLE small_lookup DROP COLUMN patient_id;
